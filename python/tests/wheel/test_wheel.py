"""The wheel: built by build_wheel.sh, installed with pip (offline, nothing else) into a fresh
virtual environment, it runs its bundled store and the ported pyarrow 11 script from there."""
import os
import stat
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(PYTHON_DIR, "tests", "port", "pyarrow11_script.py")

SMOKE = """
import os, sys
import plasmasharp.plasma as plasma
from plasmasharp import _locate
assert sys.prefix != sys.base_prefix, "not in the venv"
lib = _locate.find(_locate.LIBRARY_NAME)
assert lib.startswith(sys.prefix), lib
with plasma.start_plasma_store(16 << 20) as (socket_name, proc):
    assert proc.args[0].startswith(sys.prefix), proc.args
    c = plasma.connect(socket_name)
    oid = c.put_raw_buffer(b"from the wheel")
    assert bytes(c.get_buffers([oid])[0]) == b"from the wheel"
    assert c.get(c.put({"k": [1, 2]})) == {"k": [1, 2]}
    c.disconnect()
print("OK")
"""


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PLASMASHARP_NATIVE_DIR", "LD_LIBRARY_PATH", "VIRTUAL_ENV")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    native = os.environ.get("PLASMASHARP_NATIVE_DIR") or os.path.join(PYTHON_DIR, "..", "build", "bin")
    built = subprocess.run(["bash", os.path.join(PYTHON_DIR, "build_wheel.sh"), str(work / "dist"), native],
                           capture_output=True, text=True, check=True)
    wheel = built.stdout.strip().splitlines()[-1]
    assert os.path.basename(wheel).startswith("plasmasharp-") and wheel.endswith("-py3-none-linux_x86_64.whl")
    env_dir = work / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", str(env_dir)], check=True, env=clean_env())
    python = str(env_dir / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "--no-index", "--no-cache-dir", "-q", wheel],
                   check=True, env=clean_env(), cwd=str(work))
    return python, work


def site_file(python, relative):
    out = subprocess.run([python, "-c", "import plasmasharp, os; print(os.path.dirname(plasmasharp.__file__))"],
                         capture_output=True, text=True, check=True, env=clean_env(), cwd="/")
    return os.path.join(out.stdout.strip(), relative)


def test_bundled_store_keeps_its_execute_bit(venv):
    python, _ = venv
    store = site_file(python, "_native/plasma-store")
    assert os.stat(store).st_mode & stat.S_IXUSR
    assert os.path.isfile(site_file(python, "_native/libplasmasharp_native.so"))


def test_installed_package_runs_alone(venv):
    python, work = venv
    result = subprocess.run([python, "-c", SMOKE], capture_output=True, text=True, env=clean_env(), cwd=str(work),
                            timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "OK", result.stdout + result.stderr


def test_python_m_store_from_the_wheel(venv):
    python, work = venv
    result = subprocess.run([python, "-m", "plasmasharp.store", "--help"], capture_output=True, text=True,
                            env=clean_env(), cwd=str(work), timeout=30)
    assert "-m BYTES" in result.stdout + result.stderr


def test_ported_pyarrow11_script_from_the_wheel(venv):
    """pyarrow cannot be pip-installed here (no PyPI): pyarrow 11 and Debian's numpy are put on
    PYTHONPATH; plasmasharp comes from the venv only."""
    if os.environ.get("ARROW11_MISSING") or not os.environ.get("ARROW11_PYTHONPATH"):
        pytest.skip("pyarrow 11: " + os.environ.get("ARROW11_MISSING", "ARROW11_PYTHONPATH is not set"))
    python, work = venv
    with open(SCRIPT) as f:
        ported = f.read().replace("import pyarrow.plasma as plasma\n", "import plasmasharp.plasma as plasma\n")
    path = work / "ported.py"
    path.write_text(ported)
    env = clean_env(PYTHONPATH=os.environ["ARROW11_PYTHONPATH"] + os.pathsep + "/usr/lib/python3/dist-packages",
                    LD_LIBRARY_PATH=os.environ["ARROW11_LIB"])
    sock = str(work / "store.sock")
    store = subprocess.Popen([python, "-m", "plasmasharp.store", "-m", str(256 << 20), "-s", sock], env=clean_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        blocked = ("import runpy, sys; sys.modules['pyarrow.plasma'] = None; sys.argv = sys.argv[1:]; "
                   "runpy.run_path(sys.argv[0], run_name='__main__')")
        result = subprocess.run([python, "-c", blocked, str(path), sock], capture_output=True, text=True, env=env,
                                cwd=str(work), timeout=120)
        assert result.returncode == 0 and result.stdout.strip().endswith("OK"), result.stdout + result.stderr
    finally:
        store.kill()
        store.wait()
