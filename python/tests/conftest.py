"""Fixtures for the plasmasharp tests: real store processes on fresh sockets, clients of them.

Every API test runs against PlasmaSharp's plasma-store and the real Apache Arrow 11
plasma-store-server (ARROW11_BIN, set by tests/arrow11/env.sh; skipped with ARROW11_MISSING's
reason when absent). pyarrow.plasma is made unimportable here, so nothing can lean on it even
where pyarrow 11 is importable: the package must stand on pyarrow APIs newer releases still have.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

sys.modules["pyarrow.plasma"] = None    # `import pyarrow.plasma` raises ImportError
sys.modules["pyarrow._plasma"] = None

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # the package source, python/plasmasharp

from plasmasharp import store as ps_store  # noqa: E402

STORE_CAPACITY = 64 << 20


def pyarrow_or_none():
    try:
        import pyarrow
        return pyarrow
    except ImportError:
        return None


# Tests of the pyarrow paths. A run without pyarrow deselects them instead of skipping them:
# they are the with-pyarrow run's tests (run_tests.sh runs both), not gaps of this one.
needs_pyarrow = pytest.mark.needs_pyarrow


def pytest_configure(config):
    config.addinivalue_line("markers", "needs_pyarrow: runs only where pyarrow imports")


def pytest_collection_modifyitems(config, items):
    if pyarrow_or_none() is not None:
        return
    deselected = [item for item in items if item.get_closest_marker("needs_pyarrow")]
    if deselected:
        items[:] = [item for item in items if not item.get_closest_marker("needs_pyarrow")]
        config.hook.pytest_deselected(items=deselected)


def arrow11_store_or_skip():
    missing = os.environ.get("ARROW11_MISSING")
    if missing:
        pytest.skip("real Arrow 11 store: " + missing)
    bin_dir = os.environ.get("ARROW11_BIN")
    if not bin_dir:
        pytest.skip("real Arrow 11 store: ARROW11_BIN is not set (source tests/arrow11/env.sh)")
    return os.path.join(bin_dir, "plasma-store-server")


class StoreProcess:
    """A store process on a socket in a fresh temp folder."""

    def __init__(self, kind, capacity=STORE_CAPACITY, extra_args=()):
        self.kind = kind
        executable = ps_store.store_executable() if kind == "plasmasharp" else arrow11_store_or_skip()
        self.dir = tempfile.mkdtemp(prefix="plasmasharp-py-")
        self.socket = os.path.join(self.dir, "plasma.sock")
        self.proc = subprocess.Popen([executable, "-m", str(capacity), "-s", self.socket, *extra_args],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("%s store did not start" % kind)
            time.sleep(0.005)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def stop(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(params=["plasmasharp", "arrow11"])
def store(request):
    s = StoreProcess(request.param)
    yield s
    s.stop()


@pytest.fixture
def plasma():
    import plasmasharp.plasma
    return plasmasharp.plasma


@pytest.fixture
def client(store, plasma):
    c = plasma.connect(store.socket, num_retries=20)
    yield c
    c.disconnect()


def buffer_address(buf):
    """Address of a buffer's first byte without copying (pyarrow.Buffer or memoryview)."""
    if hasattr(buf, "address"):
        return buf.address
    import numpy as np
    return np.frombuffer(buf, dtype=np.uint8).__array_interface__["data"][0]


def mapping_of(address):
    """(start, end, perms, path) of the line of /proc/self/maps that holds address."""
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split(None, 5)
            start, end = (int(x, 16) for x in parts[0].split("-"))
            if start <= address < end:
                return start, end, parts[1], parts[5].strip() if len(parts) > 5 else ""
    return None
