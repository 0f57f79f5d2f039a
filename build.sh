#!/usr/bin/env bash
# PlasmaSharp's entry point on a fresh machine. Installs what is missing (Debian packages when
# root, the pinned Cake tool), then runs a target of build.cake:
#   ./build.sh run      the demo on the embedded default store
#   ./build.sh test     build everything and run every test suite (what CI runs)
#   ./build.sh <Target> [cake args]   any build.cake target: Native, Build, Test, Pack, Run, Bench
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(cmake g++ make flatbuffers-compiler libflatbuffers-dev libxxhash-dev libgtest-dev
              nlohmann-json3-dev unzip nodejs redis-server
              clang-14 libclang-rt-14-dev valgrind python3
              # the real Arrow 11 store and pyarrow 11 (../shared/arrow11) need these; pytest runs
              # the Python suites
              libgflags2.2 python3-numpy python3-pytest python3-venv
              # tools/bindgen generates the C# raw bindings from the C header with libclang
              python3-clang-14)

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
    echo "build.sh: missing packages; run: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
}

target="${1:-test}"
shift || true
case "$target" in
  run) target=Run ;;
  test) target=Test ;;
esac

ensure_packages
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore >/dev/null
rm -f artifacts/test/summary.txt
status=0
dotnet tool run dotnet-cake build.cake --target="$target" "$@" || status=$?
# Cake prints its task table last; the test totals must be the final line CI reads.
if [ "$target" = "Test" ]; then
  summary=artifacts/test/summary.txt
  if [ -f "$summary" ]; then tail -n 1 "$summary"; else echo "0 passed, 1 failed"; status=1; fi
fi
exit "$status"
