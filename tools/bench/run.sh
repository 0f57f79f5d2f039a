#!/usr/bin/env bash
# The Bench task: builds the native and managed benchmarks, runs both against the same kind of
# store, and writes artifacts/bench/results.json + results.md (keys: tools/bench/README.md).
#
#   tools/bench/run.sh [--quick|--full] [--store-socket PATH] [--pin] [--skip-build]
#
#   --quick         (default) short runs: whole bench < 3 minutes on 2 cores
#   --full          Google Benchmark 7 repetitions of >= 1 s, BenchmarkDotNet default job, 1 GiB C# puts
#   --store-socket  run every client figure against this store (e.g. Arrow's plasma-store-server)
#                   instead of a plasma-store started by the bench
#   --pin           run everything on CPU 0 (taskset -c 0), the "pinned" placement of the baseline
#   --skip-build    use what build-bench already holds
# Environment: BENCH_BUILD_DIR (default build-bench), BENCH_OUT (default artifacts/bench).
# Benchmarks report; they assert nothing and are not part of the test command.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BENCH_BUILD_DIR:-build-bench}"
OUT="${BENCH_OUT:-artifacts/bench}"
MODE=quick
STORE_SOCKET=""
PIN=""
BUILD_STEP=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) MODE=quick ;;
    --full) MODE=full ;;
    --store-socket) STORE_SOCKET="$2"; shift ;;
    --store-socket=*) STORE_SOCKET="${1#*=}" ;;
    --pin) PIN="taskset -c 0" ;;
    --skip-build) BUILD_STEP=0 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
cd "$ROOT"
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
case "$OUT" in /*) ;; *) OUT="$ROOT/$OUT" ;; esac
BIN="$BUILD/bin"
DOTNET_OUT="$BUILD/dotnet"
CS_BENCH="$DOTNET_OUT/bin/PlasmaSharp.Bench/release/PlasmaSharp.Bench"

if [[ $BUILD_STEP == 1 ]]; then
  echo "== build (native: $BUILD, managed: $DOTNET_OUT)"
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DPLASMASHARP_TESTS=OFF >/dev/null
  cmake --build "$BUILD" -j2 --target plasma_bench plasma-store plasmasharp_native
  # --artifacts-path keeps the managed build (and the referenced PlasmaSharp project) out of the
  # source folders' bin/obj, so it never collides with other builds of the tree.
  dotnet build tools/bench/managed/PlasmaSharp.Bench.csproj -c Release --nologo -v q \
    --artifacts-path "$DOTNET_OUT" -p:PlasmaSharpNativeDir="$BIN/"
fi

mkdir -p "$OUT"
rm -rf "$OUT/managed"
STORE_ARGS=()
STORE_LABEL="plasma-store built in $(basename "$BUILD"), started by each bench process"
if [[ -n "$STORE_SOCKET" ]]; then
  STORE_ARGS=(--store-socket "$STORE_SOCKET")
  STORE_LABEL="external store on $STORE_SOCKET"
fi
[[ -n "$PIN" ]] && STORE_LABEL="$STORE_LABEL; everything pinned to CPU 0"

if [[ $MODE == quick ]]; then
  NATIVE_FLAGS=(--quick --benchmark_min_time=0.2 --benchmark_repetitions=3)
else
  NATIVE_FLAGS=(--benchmark_min_time=1 --benchmark_repetitions=7)
fi

echo "== native figures (plasma_bench, $MODE)"
$PIN "$BIN/plasma_bench" "${NATIVE_FLAGS[@]}" "${STORE_ARGS[@]}" \
  --benchmark_display_aggregates_only=true \
  --benchmark_out="$OUT/native.json" --benchmark_out_format=json

echo "== managed figures (BenchmarkDotNet, $MODE)"
MANAGED_ARGS=("--$MODE" --artifacts "$OUT/managed" "${STORE_ARGS[@]}")
[[ -z "$STORE_SOCKET" ]] && MANAGED_ARGS+=(--store-executable "$BIN/plasma-store")
$PIN "$CS_BENCH" "${MANAGED_ARGS[@]}"

echo "== results"
python3 tools/bench/collect.py --native "$OUT/native.json" --managed "$OUT/managed" \
--mode "$MODE" --store "$STORE_LABEL" \
  --out-json "$OUT/results.json" --out-md "$OUT/results.md"
cat "$OUT/results.md"
echo "wrote $OUT/results.json and $OUT/results.md"
