#!/usr/bin/env bash
# PlasmaSharp's one entry point on a fresh machine:
#   ./build.sh test     build everything and run every test suite (what CI runs)
# Installs what is missing first (Debian packages when root).
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(cmake g++ make flatbuffers-compiler libflatbuffers-dev libxxhash-dev libgtest-dev nlohmann-json3-dev)

ensure_packages() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "build.sh: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "build.sh: please install: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
}

native_build() {
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j"$(nproc)"
}

native_test() {
  mkdir -p artifacts/test
  (cd build && ctest --output-on-failure -j"$(nproc)" --output-junit ../artifacts/test/native.xml) || true
}

summary() {
  python3 tools/ci/summarize.py artifacts/test
}

case "${1:-test}" in
  test)
    ensure_packages
    native_build
    native_test
    summary
    ;;
  *)
    echo "usage: ./build.sh test" >&2
    exit 2
    ;;
esac
