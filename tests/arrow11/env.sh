# The real Apache Arrow 11 Plasma (store, C++ client, pyarrow 11) for the tests: locates it,
# makes it runnable, and exports where it is. Source it from bash:
#   source tests/arrow11/env.sh [BUILD_DIR]      (BUILD_DIR default: <repo>/build; safe under
#                                                set -euo pipefail)
# It exports either
#   ARROW11_HOME     the Arrow 11 folder (PLASMASHARP_ARROW11, else <repo>/../shared/arrow11)
#   ARROW11_BIN      BUILD_DIR/arrow11/bin: `plasma-store-server` (the real store) and
#                    `python3` (Debian's /usr/bin/python3 with pyarrow 11 importable)
#   ARROW11_LIB      BUILD_DIR/arrow11/lib: libarrow/libplasma under their real file names;
#                    link C++ with -I"$ARROW11_HOME/include" -L"$ARROW11_LIB" -lplasma -larrow
#                    -Wl,-rpath,"$ARROW11_LIB"
#   ARROW11_PYTHONPATH  the folder holding pyarrow (also needs LD_LIBRARY_PATH=$ARROW11_LIB)
# or, when it cannot be used,
#   ARROW11_MISSING  the reason, for the tests to report as skipped (never as passed).
# Why the staging folder: shared/ is copied with its symlinks flattened into small text files
# (lib/libarrow.so.1100 holds the text "libarrow.so.1100.0.0"), so the binaries' RUNPATH finds
# a file the loader rejects; LD_LIBRARY_PATH (searched before RUNPATH) points at real links.

_a11_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
_a11_build="${1:-$_a11_repo/build}"
unset ARROW11_HOME ARROW11_BIN ARROW11_LIB ARROW11_PYTHONPATH ARROW11_MISSING

_a11_setup() {
  local home="${PLASMASHARP_ARROW11:-$_a11_repo/../shared/arrow11}"
  if [ ! -d "$home" ]; then
    ARROW11_MISSING="the real Arrow 11 Plasma is not here ($home is missing; CI has it beside the clone)"
    return
  fi
  home="$(cd "$home" && pwd)"
  if [ ! -f "$home/bin/plasma-store-server" ]; then
    ARROW11_MISSING="$home has no bin/plasma-store-server"
    return
  fi
  mkdir -p "$_a11_build" && _a11_build="$(cd "$_a11_build" && pwd)"
  local stage="$_a11_build/arrow11"
  mkdir -p "$stage/lib" "$stage/bin"   # idempotent: suites may source this at the same time
  # Every real ELF library under each of its names: libX.so.1100.0.0 -> .so.1100 -> .so
  local f name short
  for f in "$home"/lib/*.so*; do
    [ -f "$f" ] || continue
    [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
    name="$(basename "$f")"
    ln -sfn "$f" "$stage/lib/$name"
    short="$name"
    while [[ "$short" =~ ^(.*\.so)(\.[0-9]+)+$ ]]; do
      short="${short%.*}"
      ln -sfn "$name" "$stage/lib/$short"
    done
  done
  cat > "$stage/bin/.plasma-store-server.$$" <<SH
#!/usr/bin/env bash
export LD_LIBRARY_PATH="$stage/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
exec "$home/bin/plasma-store-server" "\$@"
SH
  cat > "$stage/bin/.python3.$$" <<SH
#!/usr/bin/env bash
export LD_LIBRARY_PATH="$stage/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export PYTHONPATH="$home/python\${PYTHONPATH:+:\$PYTHONPATH}"
exec /usr/bin/python3 "\$@"
SH
  chmod +x "$stage/bin/.plasma-store-server.$$" "$stage/bin/.python3.$$"
  mv -f "$stage/bin/.plasma-store-server.$$" "$stage/bin/plasma-store-server"
  mv -f "$stage/bin/.python3.$$" "$stage/bin/python3"
  # Probes without pipelines, so that a caller's `set -o pipefail` cannot change the verdict.
  local out
  out="$("$stage/bin/plasma-store-server" --help 2>&1)" || true   # gflags' --help exits non-zero
  if [[ "$out" == *"error while loading"* ]]; then
    ARROW11_MISSING="the real plasma-store-server does not run: ${out%%$'\n'*} (build.sh installs libgflags2.2)"
    return
  fi
  if ! out="$("$stage/bin/python3" -c 'import pyarrow.plasma' 2>&1)"; then
    ARROW11_MISSING="pyarrow 11 does not import with /usr/bin/python3: ${out##*$'\n'} (build.sh installs python3-numpy)"
    return
  fi
  ARROW11_HOME="$home"
  ARROW11_BIN="$stage/bin"
  ARROW11_LIB="$stage/lib"
  ARROW11_PYTHONPATH="$home/python"
}
_a11_setup
unset -f _a11_setup
unset _a11_repo _a11_build
if [ -n "${ARROW11_MISSING:-}" ]; then
  export ARROW11_MISSING
else
  export ARROW11_HOME ARROW11_BIN ARROW11_LIB ARROW11_PYTHONPATH
fi
