"""`-e hashtable://NAME` (the external store evicted objects spill to) through the real pyarrow 11
pyarrow.plasma, on our store and on the real Arrow 11 store started the same way, and `-e
file://DIRECTORY` (ours only: the real store has no file backend): scenarios/external_store.py
must print OK on each."""
import os
import subprocess
import tempfile

import pytest

from conftest import StoreProcess

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.join(HERE, "scenarios", "external_store.py")
CAPACITY = 10 << 20


@pytest.mark.parametrize("kind,scheme", [("plasmasharp", "hashtable"), ("arrow11", "hashtable"),
                                         ("plasmasharp", "file")])
def test_every_object_survives_filling_past_capacity(kind, scheme):
    missing = os.environ.get("ARROW11_MISSING")
    if missing or not os.environ.get("ARROW11_BIN"):
        pytest.skip("real pyarrow.plasma: " + (missing or "ARROW11_BIN is not set"))
    with tempfile.TemporaryDirectory(prefix="plasmasharp-spill-") as spill_dir:
        url = "hashtable://test" if scheme == "hashtable" else "file://" + spill_dir
        store = StoreProcess(kind, CAPACITY, extra_args=["-e", url])
        try:
            result = subprocess.run([os.path.join(os.environ["ARROW11_BIN"], "python3"), SCENARIO, store.socket,
                                     str(CAPACITY)], capture_output=True, text=True, timeout=120)
            assert store.proc.poll() is None, "the %s store died" % kind
            if scheme == "file":
                assert any(name.startswith("spill-") for name in os.listdir(spill_dir)), "nothing was spilled to files"
        finally:
            store.stop()
    assert result.returncode == 0 and result.stdout.strip().endswith("OK"), result.stdout + result.stderr
