"""start_plasma_store and `python -m plasmasharp.store` run the bundled plasma-store."""
import os
import subprocess
import sys
import tempfile
import time

import pytest


def test_start_plasma_store_context(plasma):
    with plasma.start_plasma_store(32 << 20) as (socket_name, proc):
        assert proc.poll() is None and os.path.exists(socket_name)
        c = plasma.connect(socket_name)
        assert c.store_capacity() == 32 << 20
        oid = c.put_raw_buffer(b"ok")
        assert c.contains(oid)
        c.disconnect()
    assert proc.poll() is not None          # stopped on exit
    assert not os.path.exists(os.path.dirname(socket_name))


def test_start_plasma_store_rejects_what_it_cannot_do(plasma):
    with pytest.raises(ValueError, match="external_store"):
        with plasma.start_plasma_store(1 << 20, external_store="hashtable://x"):
            pass
    with pytest.raises(Exception, match="valgrind and profiler"):
        with plasma.start_plasma_store(1 << 20, use_valgrind=True, use_profiler=True):
            pass
    with pytest.raises(RuntimeError, match="exited"):
        with plasma.start_plasma_store(-5):
            pass


def test_python_m_plasmasharp_store(plasma):
    folder = tempfile.mkdtemp(prefix="plasmasharp-py-")
    sock = os.path.join(folder, "s.sock")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(plasma.__file__)))
    proc = subprocess.Popen([sys.executable, "-m", "plasmasharp.store", "-m", str(16 << 20), "-s", sock],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        c = plasma.connect(sock, num_retries=50)
        assert c.store_capacity() == 16 << 20
        c.disconnect()
    finally:
        proc.kill()
        proc.wait()
    bad = subprocess.run([sys.executable, "-m", "plasmasharp.store", "--no-such-flag"], env=env,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "-m BYTES" in bad.stdout + bad.stderr
