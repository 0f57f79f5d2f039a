#!/usr/bin/env bash
# The Bench task: builds the benchmarks, runs every figure producer (ours, and the real Apache
# Arrow 11 Plasma in the same run), and writes artifacts/bench/results.json + results.md
# (keys: tools/bench/README.md).
#
#   tools/bench/run.sh [--quick|--full] [--store-socket PATH] [--pin] [--skip-build] [--producers A,B]
#
#   --quick         (default) short runs: whole bench < 4 minutes on 2 cores (+ build)
#   --full          Google Benchmark 7 repetitions of >= 1 s, BenchmarkDotNet default job, 1 GiB C# puts
#   --store-socket  run our clients' "ours" figures against this store instead of a plasma-store
#                   started by the bench (the real-store producers always start their own)
#   --pin           run everything on CPU 0 (taskset -c 0), the "pinned" placement of the baseline
#   --skip-build    use what the build folder already holds
#   --producers     run only these figure producers (names: PRODUCERS below); the others are
#                   reported as not run
# Environment: BENCH_BUILD_DIR (default build-bench), BENCH_OUT (default artifacts/bench), and
# ARROW11_* from tests/arrow11/env.sh (sourced here when the caller did not): with ARROW11_MISSING
# set the real-store producers are reported absent with that reason and the run still succeeds.
# Benchmarks report; they assert nothing and are not part of the test command.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BENCH_BUILD_DIR:-build-bench}"
OUT="${BENCH_OUT:-artifacts/bench}"
MODE=quick
STORE_SOCKET=""
PIN=""
BUILD_STEP=1
ONLY=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) MODE=quick ;;
    --full) MODE=full ;;
    --store-socket) STORE_SOCKET="$2"; shift ;;
    --store-socket=*) STORE_SOCKET="${1#*=}" ;;
    --pin) PIN="taskset -c 0" ;;
    --skip-build) BUILD_STEP=0 ;;
    --producers) ONLY="$2"; shift ;;
    --producers=*) ONLY="${1#*=}" ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
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
CLUSTER_BENCH="$DOTNET_OUT/bin/PlasmaSharp.Bench.Cluster/release/PlasmaSharp.Bench.Cluster.dll"
REAL_BENCH="$BUILD/bench-real/bench_real"
RAW="$OUT/raw"
REAL_STORE_CAPACITY=$((3 << 30))   # as our bench store: room for a 1 GiB object + the rest

if [[ -z "${ARROW11_BIN:-}" && -z "${ARROW11_MISSING:-}" ]]; then
  # shellcheck source=../../tests/arrow11/env.sh
  source tests/arrow11/env.sh "$BUILD"
fi

# ------------------------------------------------------------------------------------ build

build_ours() {
  echo "== build (native: $BUILD, managed: $DOTNET_OUT)"
  # A fresh bench-only folder skips the tests; an existing build folder (the Bench task passes the
  # project's build/) keeps its own settings, so the bench never switches other people's tests off.
  local configure=(-DCMAKE_BUILD_TYPE=Release)
  [[ -f "$BUILD/CMakeCache.txt" ]] || configure+=(-DPLASMASHARP_TESTS=OFF)
  cmake -S . -B "$BUILD" "${configure[@]}" >/dev/null
  cmake --build "$BUILD" -j2 --target plasma_bench plasma-store plasmasharp_native
  # --artifacts-path keeps the managed build (and the referenced PlasmaSharp project) out of the
  # source folders' bin/obj, so it never collides with other builds of the tree.
  dotnet build tools/bench/managed/PlasmaSharp.Bench.csproj -c Release --nologo -v q \
    --artifacts-path "$DOTNET_OUT" -p:PlasmaSharpNativeDir="$BIN/"
  dotnet build tools/bench/cluster/PlasmaSharp.Bench.Cluster.csproj -c Release --nologo -v q \
    --artifacts-path "$DOTNET_OUT" -p:PlasmaSharpNativeDir="$BIN/"
}

# The real C++ client's program: g++ against Arrow 11's headers and libplasma, outside CMake (the
# project builds where Arrow 11 is absent).
build_real() {
  [[ -n "${ARROW11_MISSING:-}" ]] && return 0
  echo "== build (real Arrow 11 C++ client bench: $REAL_BENCH)"
  mkdir -p "$(dirname "$REAL_BENCH")"
  g++ -std=c++17 -O2 -Wno-cpp -I"$ARROW11_HOME/include" -Itools/bench/native tools/bench/real/bench_real.cc \
    -o "$REAL_BENCH" -L"$ARROW11_LIB" -lplasma -larrow -lbenchmark -lpthread -Wl,-rpath,"$ARROW11_LIB"
}

# ------------------------------------------------------------------------------ the real store

REAL_STORE_PID=""
REAL_STORE_DIR=""
start_real_store() {
  REAL_STORE_DIR="$(mktemp -d /tmp/plasma-bench-real.XXXXXX)"
  REAL_STORE_SOCKET="$REAL_STORE_DIR/plasma.sock"
  # Placed like our store (which each bench process starts as its child): under --pin, on CPU 0.
  $PIN "$ARROW11_BIN/plasma-store-server" -m "$REAL_STORE_CAPACITY" -s "$REAL_STORE_SOCKET" \
    >"$REAL_STORE_DIR/store.log" 2>&1 &
  REAL_STORE_PID=$!   # taskset and the wrapper both exec: this is the store's own pid
  local waited=0
  until [[ -S "$REAL_STORE_SOCKET" ]]; do
    if ! kill -0 "$REAL_STORE_PID" 2>/dev/null || (( waited >= 100 )); then
      echo "run.sh: the real plasma-store-server did not start:" >&2
      cat "$REAL_STORE_DIR/store.log" >&2
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

stop_real_store() {
  if [[ -n "$REAL_STORE_PID" ]]; then
    kill "$REAL_STORE_PID" 2>/dev/null || true
    wait "$REAL_STORE_PID" 2>/dev/null || true
  fi
  [[ -n "$REAL_STORE_DIR" ]] && rm -rf "$REAL_STORE_DIR"
  REAL_STORE_PID=""
  REAL_STORE_DIR=""
}

# --------------------------------------------------------------------------- figure producers
# Each producer writes its raw output as $RAW/<name>.json or $RAW/<name>/; collect.py reads it
# with the reader of the same name (its PRODUCERS table). A producer that needs the real
# Arrow 11 Plasma is listed in NEEDS_ARROW11: without it, $RAW/<name>.absent holds the reason.
# To add figures: a produce_<name> function, its name in PRODUCERS, a reader in collect.py.
# Each runs in a subshell with `set -e` that stops the real store it started when it exits.

# real_arrow_cpp runs right before managed: the issue 12 targets compare those two, so they are
# measured as close together in time (and machine load) as possible.
# python runs right after managed: its issue 13 targets compare it with the C# figures.
# cluster compares only with its own floor (Redis PING), so it goes last; spill too (its floor is
# a plain file write/read in the same run).
PRODUCERS=(native real_native real_arrow_cpp managed python real_managed cluster spill)
NEEDS_ARROW11=(real_arrow_cpp real_native real_managed)

QUICK_FLAG=()
if [[ $MODE == quick ]]; then
  GBENCH_FLAGS=(--benchmark_min_time=0.2 --benchmark_repetitions=3)
  QUICK_FLAG=(--quick)
  PYTHON_FLAGS=(--seconds 1 --rounds 3)
  SPILL_FLAGS=(--rounds 5)
  CLUSTER_RUNS=3; CLUSTER_FLAGS=(--quick)   # 20,000 objects, 1,000 calls: ~4 s a run
else
  GBENCH_FLAGS=(--benchmark_min_time=1 --benchmark_repetitions=7)
  PYTHON_FLAGS=(--seconds 2 --rounds 7)
  SPILL_FLAGS=(--rounds 9)
  CLUSTER_RUNS=5; CLUSTER_FLAGS=()          # 100,000 objects, 2,000 calls: ~10 s a run
fi
GBENCH_FLAGS+=(--benchmark_display_aggregates_only=true --benchmark_out_format=json)
OURS_STORE_ARGS=()
[[ -n "$STORE_SOCKET" ]] && OURS_STORE_ARGS=(--store-socket "$STORE_SOCKET")

# Floors, components and every C++ client figure of ours (plasma_bench).
produce_native() {
  $PIN "$BIN/plasma_bench" "${QUICK_FLAG[@]}" "${GBENCH_FLAGS[@]}" "${OURS_STORE_ARGS[@]}" \
    --benchmark_out="$RAW/native.json"
}

# The real C++ client (libplasma) on the real store: the reference of every real.* target.
produce_real_arrow_cpp() {
  start_real_store
  $PIN "$REAL_BENCH" "${QUICK_FLAG[@]}" --store-socket "$REAL_STORE_SOCKET" \
    --store-pid "$REAL_STORE_PID" "${GBENCH_FLAGS[@]}" --benchmark_out="$RAW/real_arrow_cpp.json"
}

# Our C++ client on the real store: the figures that compare a client, not a store.
produce_real_native() {
  start_real_store
  $PIN "$BIN/plasma_bench" "${QUICK_FLAG[@]}" --store-socket "$REAL_STORE_SOCKET" \
    --store-pid "$REAL_STORE_PID" "${GBENCH_FLAGS[@]}" --benchmark_out="$RAW/real_native.json" \
    --benchmark_filter='^cpp/(small|get)/|^cpp/large/put_(copy_then_seal|write_and_seal)_100MiB'
}

# Every C# figure of ours (BenchmarkDotNet).
produce_managed() {
  local args=("--$MODE" --artifacts "$RAW/managed" "${OURS_STORE_ARGS[@]}")
  [[ -z "$STORE_SOCKET" ]] && args+=(--store-executable "$BIN/plasma-store")
  $PIN "$CS_BENCH" "${args[@]}"
}

# Our C# client on the real store: small objects, the 100 MiB Put, Get+Release.
produce_real_managed() {
  start_real_store
  $PIN "$CS_BENCH" "--$MODE" --artifacts "$RAW/real_managed" --store-socket "$REAL_STORE_SOCKET" \
    --filter '*SmallObjectBenchmarks*' --filter '*LargeObjectBenchmarks.Put(Size: 104857600)' \
    --filter '*ZeroCopyGetBenchmarks.GetRelease*'
}

# The Python package (plasmasharp.plasma over libplasmasharp_native) on our store. PYTHONPATH is
# dropped so pyarrow cannot come in: the figures are of the package alone (memoryview buffers),
# and the run fails if pyarrow was imported anyway. The JSON is the last line of its stdout.
produce_python() {
  env -u PYTHONPATH PLASMASHARP_NATIVE_DIR="$BIN" $PIN /usr/bin/python3 tools/bench/python/bench.py \
    "${PYTHON_FLAGS[@]}" --large-mib 100 "${OURS_STORE_ARGS[@]}" > "$RAW/python.log"
  tail -n 1 "$RAW/python.log" > "$RAW/python.json"
  if ! grep -q '"pyarrow_imported": false' "$RAW/python.json"; then
    echo "run.sh: the Python bench imported pyarrow (or wrote no result): $RAW/python.json" >&2
    return 1
  fi
}

# The cluster directory (issue 15): a redis-server, our store and a node process, all started by
# the bench itself (--store-socket does not apply), N small objects published, Locate vs PING.
# One publish is one sample, so it runs several times; each run's JSON object is one file.
# Then node-to-node transfers (issue 16), once: 8 node processes with bundled stores, 100 MiB and
# 1 GiB pulls next to a loopback TCP copy of the same bytes, remote vs local 1 KiB Get, one 256 MiB
# object to 7 nodes at once vs one after another (~60-70 s quick on 2 loaded CPUs) -> transfer.json.
produce_cluster() {
  mkdir -p "$RAW/cluster"
  local run
  for ((run = 1; run <= CLUSTER_RUNS; run++)); do
    $PIN dotnet "$CLUSTER_BENCH" "${CLUSTER_FLAGS[@]}" > "$RAW/cluster/run-$run.json"
  done
  $PIN dotnet "$CLUSTER_BENCH" --transfer "${CLUSTER_FLAGS[@]}" > "$RAW/cluster/transfer.json"
}

# Spilling (issue 17): its own store with -e file:// in a folder of /var/tmp, 100 MiB spills and
# restores next to a plain file write/read there, and Gets of spilled 1 KiB objects
# (tools/bench/spill/bench_spill.py; --store-socket does not apply).
produce_spill() {
  env -u PYTHONPATH PLASMASHARP_NATIVE_DIR="$BIN" $PIN /usr/bin/python3 tools/bench/spill/bench_spill.py \
    "${SPILL_FLAGS[@]}" --large-mib 100 > "$RAW/spill.log"
  tail -n 1 "$RAW/spill.log" > "$RAW/spill.json"
}

# Why a producer cannot run on this machine (nothing when it can): its figures are then absent.
absent_reason() {
  if needs_arrow11 "$1" && [[ -n "${ARROW11_MISSING:-}" ]]; then
    echo "the real Arrow 11 Plasma is absent: $ARROW11_MISSING"
  elif [[ $1 == cluster ]] && ! command -v redis-server >/dev/null; then
    echo "redis-server is not installed (Debian package redis-server): no Redis to publish to"
  fi
}

needs_arrow11() {
  local p
  for p in "${NEEDS_ARROW11[@]}"; do [[ $p == "$1" ]] && return 0; done
  return 1
}

# ------------------------------------------------------------------------------------ run

[[ $BUILD_STEP == 1 ]] && { build_ours; build_real; }
rm -rf "$RAW"
mkdir -p "$RAW"
STORE_LABEL="ours: plasma-store built in $(basename "$BUILD"), started by each bench process"
[[ -n "$STORE_SOCKET" ]] && STORE_LABEL="ours: external store on $STORE_SOCKET"
if [[ -n "${ARROW11_MISSING:-}" ]]; then
  STORE_LABEL="$STORE_LABEL; real: absent"
else
  STORE_LABEL="$STORE_LABEL; real: Arrow 11 plasma-store-server ($ARROW11_HOME), $REAL_STORE_CAPACITY bytes, started per producer"
fi
[[ -n "$PIN" ]] && STORE_LABEL="$STORE_LABEL; everything pinned to CPU 0"

FAILED=()
for producer in "${PRODUCERS[@]}"; do
  if [[ -n "$ONLY" && ",$ONLY," != *",$producer,"* ]]; then
    printf '%s\n' "not run (--producers $ONLY)" > "$RAW/$producer.skipped"
    continue
  fi
  reason="$(absent_reason "$producer")"
  if [[ -n "$reason" ]]; then
    echo "== $producer: absent ($reason)"
    printf '%s\n' "$reason" > "$RAW/$producer.absent"
    continue
  fi
  echo "== $producer ($MODE)"
  started=$SECONDS
  # The machine's CPU counters around it: collect.py reports how busy the CPUs were and how much
  # time the hypervisor took from this VM (steal) while the producer ran.
  head -n 1 /proc/stat > "$RAW/$producer.cpu"
  set +e
  ( set -e; trap stop_real_store EXIT; "produce_$producer" )
  status=$?
  set -e
  head -n 1 /proc/stat >> "$RAW/$producer.cpu"
  if [[ $status != 0 ]]; then
    FAILED+=("$producer")
    printf '%s\n' "produce_$producer exited with $status (see the run's log)" > "$RAW/$producer.failed"
  fi
  echo "== $producer: $((SECONDS - started)) s"
done

echo "== results"
python3 tools/bench/collect.py --raw "$RAW" --mode "$MODE" --store "$STORE_LABEL" \
  --out-json "$OUT/results.json" --out-md "$OUT/results.md"
cat "$OUT/results.md"
echo "wrote $OUT/results.json and $OUT/results.md"
if [[ ${#FAILED[@]} -gt 0 ]]; then
  echo "run.sh: these producers failed: ${FAILED[*]}" >&2
  exit 1
fi
