"""Writes the plasmasharp wheel (PEP 427) with zipfile: see build_wheel.sh.

usage: wheel.py PYTHON_DIR NATIVE_BIN_DIR OUTDIR
"""
import base64
import hashlib
import os
import re
import sys
import sysconfig
import zipfile

NATIVE_FILES = [("libplasmasharp_native.so", 0o644), ("plasma-store", 0o755)]
FIXED_TIME = (2024, 1, 1, 0, 0, 0)   # reproducible archives: the same inputs give the same wheel


def version_of(package_dir):
    with open(os.path.join(package_dir, "__init__.py")) as f:
        return re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)


def platform_tag():
    # The native files are built here for this machine kind (linux x86-64, glibc).
    return sysconfig.get_platform().replace("-", "_").replace(".", "_")


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (name, digest, len(data))


def main(python_dir, native_dir, out_dir):
    package_dir = os.path.join(python_dir, "plasmasharp")
    version = version_of(package_dir)
    tag = "py3-none-" + platform_tag()
    dist_info = "plasmasharp-%s.dist-info" % version
    entries = []   # (archive name, bytes, mode)
    for name in sorted(os.listdir(package_dir)):
        if name.endswith(".py"):
            with open(os.path.join(package_dir, name), "rb") as f:
                entries.append(("plasmasharp/" + name, f.read(), 0o644))
    for name, mode in NATIVE_FILES:
        path = os.path.join(native_dir, name)
        if not os.path.isfile(path):
            sys.exit("build_wheel: %s is missing (build the Native target first)" % path)
        with open(path, "rb") as f:
            entries.append(("plasmasharp/_native/" + name, f.read(), mode))
    with open(os.path.join(python_dir, "README.md"), "rb") as f:
        readme = f.read().decode()
    metadata = ("Metadata-Version: 2.1\nName: plasmasharp\nVersion: %s\n"
                "Summary: Zero-copy Plasma object store client (pyarrow.plasma's API) with a bundled store\n"
                "License: Apache-2.0\nRequires-Python: >=3.8\nProvides-Extra: arrow\n"
                "Requires-Dist: pyarrow; extra == \"arrow\"\n"
                "Description-Content-Type: text/markdown\n\n%s" % (version, readme))
    wheel = "Wheel-Version: 1.0\nGenerator: plasmasharp build_wheel.sh\nRoot-Is-Purelib: false\nTag: %s\n" % tag
    entries.append((dist_info + "/METADATA", metadata.encode(), 0o644))
    entries.append((dist_info + "/WHEEL", wheel.encode(), 0o644))
    entries.append((dist_info + "/top_level.txt", b"plasmasharp\n", 0o644))
    record = [record_line(n, d) for n, d, _ in entries] + [dist_info + "/RECORD,,"]
    entries.append((dist_info + "/RECORD", ("\n".join(record) + "\n").encode(), 0o644))

    wheel_path = os.path.join(out_dir, "plasmasharp-%s-%s.whl" % (version, tag))
    with zipfile.ZipFile(wheel_path + ".tmp", "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.external_attr = (0o100000 | mode) << 16   # regular file + permissions: pip keeps +x
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    os.replace(wheel_path + ".tmp", wheel_path)
    print(wheel_path)


if __name__ == "__main__":
    main(*sys.argv[1:4])
