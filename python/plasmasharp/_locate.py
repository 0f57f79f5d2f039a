"""Where the native files are: libplasmasharp_native.so and the plasma-store executable.

Searched in this order, the first folder holding the file wins:
  1. $PLASMASHARP_NATIVE_DIR (the same variable the .NET packages honour);
  2. plasmasharp/_native/ inside this package (what the wheel ships);
  3. <repo>/build/bin, for a source checkout used with PYTHONPATH=<repo>/python.
"""
import os

LIBRARY_NAME = "libplasmasharp_native.so"
STORE_NAME = "plasma-store"

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def candidate_dirs():
    dirs = []
    override = os.environ.get("PLASMASHARP_NATIVE_DIR")
    if override:
        dirs.append(override)
    dirs.append(os.path.join(_PACKAGE_DIR, "_native"))
    dirs.append(os.path.normpath(os.path.join(_PACKAGE_DIR, "..", "..", "build", "bin")))
    return dirs


def find(name):
    """Absolute path of the native file `name`; FileNotFoundError naming every place searched."""
    dirs = candidate_dirs()
    for d in dirs:
        path = os.path.join(d, name)
        if os.path.isfile(path):
            return os.path.abspath(path)
    raise FileNotFoundError(
        "plasmasharp: %s not found; searched %s (set PLASMASHARP_NATIVE_DIR to the folder holding it)"
        % (name, ", ".join(dirs)))
