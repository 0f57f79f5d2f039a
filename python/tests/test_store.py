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


def test_start_plasma_store_spills_to_an_external_store(plasma):
    # 4 MiB store, six 1 MiB objects: the first ones are evicted to hashtable:// and a get
    # brings them back (pyarrow's external_store argument, the store's -e).
    with plasma.start_plasma_store(4 << 20, external_store="hashtable://py") as (socket_name, _):
        c = plasma.connect(socket_name)
        ids = [c.put_raw_buffer(bytes([i]) * (1 << 20)) for i in range(6)]
        listed = c.list()
        assert listed[ids[0]]["is_spilled"] and not listed[ids[5]]["is_spilled"]
        first = c.get_buffers([ids[0]], timeout_ms=1000)[0]
        assert first is not None and bytes(first[:3]) == b"\x00\x00\x00"
        assert not c.list()[ids[0]]["is_spilled"]    # read back
        del first
        c.disconnect()


def test_start_plasma_store_rejects_what_it_cannot_do(plasma):
    with pytest.raises(RuntimeError, match="exited"):
        with plasma.start_plasma_store(1 << 20, external_store="nosuchscheme://x"):
            pass
    with pytest.raises(Exception, match="valgrind and profiler"):
        with plasma.start_plasma_store(1 << 20, use_valgrind=True, use_profiler=True):
            pass
    with pytest.raises(RuntimeError, match="exited"):
        with plasma.start_plasma_store(-5):
            pass


def test_a_store_started_here_stops_when_this_process_is_killed(plasma):
    # A child Python that starts a store and is killed with SIGKILL leaves no store behind.
    code = ("import sys, time, plasmasharp.plasma as plasma\n"
            "with plasma.start_plasma_store(1 << 20) as (sock, proc):\n"
            "    print(proc.pid, sock, flush=True)\n"
            "    time.sleep(600)\n")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(plasma.__file__)))
    child = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
    store_pid, sock = child.stdout.readline().split()
    child.kill()
    child.wait()
    deadline = time.time() + 10
    while time.time() < deadline and not _exited(int(store_pid)):
        time.sleep(0.05)
    assert _exited(int(store_pid)), "the store outlived the killed process that started it"


def _exited(pid):
    """No such process, or a zombie not reaped yet."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


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
