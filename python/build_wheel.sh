#!/usr/bin/env bash
# Builds the plasmasharp wheel with the standard library only (no setuptools, pip or PyPI):
#   python/build_wheel.sh OUTDIR [NATIVE_BIN_DIR]      (NATIVE_BIN_DIR default: <repo>/build/bin)
# Writes OUTDIR/plasmasharp-<version>-py3-none-<platform>.whl holding the package source and,
# in plasmasharp/_native/, libplasmasharp_native.so and plasma-store (execute bit kept).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: build_wheel.sh OUTDIR [NATIVE_BIN_DIR]}"
native="${2:-$here/../build/bin}"
mkdir -p "$out"
exec /usr/bin/python3 "$here/wheel.py" "$here" "$native" "$out"
