"""The port is one line: a pyarrow 11 pyarrow.plasma program (port/pyarrow11_script.py) runs with
its import line changed to plasmasharp.plasma, against both stores; the unchanged program runs
with the real pyarrow.plasma too (both stores), so the script itself is proven right."""
import os
import subprocess
import sys

import pytest

from conftest import needs_pyarrow

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "port", "pyarrow11_script.py")
PACKAGE_ROOT = os.path.dirname(HERE)
ORIGINAL_IMPORT = "import pyarrow.plasma as plasma\n"
PORTED_IMPORT = "import plasmasharp.plasma as plasma\n"
# Runs a script with pyarrow.plasma unimportable (as in every newer pyarrow).
BLOCKED_RUNNER = ("import runpy, sys; sys.modules['pyarrow.plasma'] = None; sys.modules['pyarrow._plasma'] = None; "
                  "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")


def ported_script(folder):
    with open(SCRIPT) as f:
        lines = f.readlines()
    assert lines.count(ORIGINAL_IMPORT) == 1
    ported = [PORTED_IMPORT if line == ORIGINAL_IMPORT else line for line in lines]
    assert sum(a != b for a, b in zip(lines, ported)) == 1   # the whole port
    path = os.path.join(folder, "ported.py")
    with open(path, "w") as f:
        f.writelines(ported)
    return path


def run_ok(command, env=None, timeout=120):
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0 and result.stdout.strip().endswith("OK"), result.stdout + result.stderr


@needs_pyarrow
def test_ported_script_runs_unchanged(store, tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [PACKAGE_ROOT, os.environ.get("PYTHONPATH")])))
    run_ok([sys.executable, "-c", BLOCKED_RUNNER, ported_script(str(tmp_path)), store.socket], env=env)


def test_original_script_with_the_real_pyarrow_plasma(store):
    if os.environ.get("ARROW11_MISSING") or not os.environ.get("ARROW11_BIN"):
        pytest.skip("real pyarrow.plasma: " + os.environ.get("ARROW11_MISSING", "ARROW11_BIN is not set"))
    run_ok([os.path.join(os.environ["ARROW11_BIN"], "python3"), SCRIPT, store.socket])
