#!/usr/bin/env bash
# Cross-language tests: C#, C++, Node.js and Python processes (our clients and Arrow 11's real
# ones) exchanging objects through a store, on our plasma-store and on the real Arrow 11
# plasma-store-server.
#   bash tests/crosslang/run.sh RESULTS_DIR [NATIVE_BIN_DIR]      (from anywhere)
# NATIVE_BIN_DIR (default <repo>/build/bin) holds libplasmasharp_native.so and plasma-store.
# Builds the programs into NATIVE_BIN_DIR/../crosslang, starts both stores on sockets in a fresh
# temp dir, runs driver.py (every writer x reader pair on each store, one OS process each),
# which writes RESULTS_DIR/crosslang.xml and prints the matrices. Exits non-zero on any failure.
# Without Arrow 11 (tests/arrow11/env.sh sets ARROW11_MISSING) the real store and the Arrow 11
# clients are reported as skipped, with the reason.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
results="${1:?usage: run.sh RESULTS_DIR [NATIVE_BIN_DIR]}"
native_bin="${2:-$repo/build/bin}"
mkdir -p "$results"
results="$(cd "$results" && pwd)"
native_bin="$(cd "$native_bin" 2>/dev/null && pwd || echo "$native_bin")"
# Build outputs live beside the native build, never under RESULTS_DIR (every *.xml there is
# counted as test results).
out="$(dirname "$native_bin")/crosslang"
mkdir -p "$out"
lib="$native_bin/libplasmasharp_native.so"
store_bin="$native_bin/plasma-store"
python=/usr/bin/python3
[ -x "$python" ] || python="$(command -v python3)"
# The real Arrow 11 Plasma: ARROW11_BIN (plasma-store-server, python3 with pyarrow 11),
# ARROW11_HOME/ARROW11_LIB (libplasma) - or ARROW11_MISSING, why it cannot be used.
# The test command exports them; run alone, this finds them itself.
if [ -z "${ARROW11_BIN:-}" ] && [ -z "${ARROW11_MISSING:-}" ]; then
  # shellcheck source=../arrow11/env.sh
  source "$repo/tests/arrow11/env.sh" "$(dirname "$native_bin")"
fi
# Builds share build/ with other builds (CI, parallel work): one at a time.
build_lock=/tmp/plasmasharp-build.lock

work="$(mktemp -d /tmp/plasmasharp-crosslang.XXXXXX)"
declare -A store_pid=()   # store label -> pid
cleanup() {
  local pid
  for pid in "${store_pid[@]}"; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

prepared="$work/prepared.tsv"
: > "$prepared"
# note NAME ok|fail|skip WHY: one "build" testcase per language and per store in the JUnit file.
note() { printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >> "$prepared"; }
last_lines() { tail -n 15 "$1" | tr '\n\t' '  ' | cut -c1-1500; }

echo "crosslang: native dir $native_bin, build dir $out"
if [ ! -f "$lib" ] || [ ! -x "$store_bin" ]; then
  echo "crosslang: $lib or $store_bin is missing (build native first)" >&2
  note native fail "missing $lib or $store_bin: build the native code first"
fi

# C++: compiled here against the C ABI header and the built library (rpath: runs in place).
if flock "$build_lock" g++ -std=c++17 -O2 -Wall -Wextra -I"$repo/native/include" "$here/cpp/crosslang.cc" \
     -L"$native_bin" -Wl,-rpath,"$native_bin" -lplasmasharp_native -o "$out/crosslang-cpp" \
     > "$work/cpp-build.log" 2>&1; then
  note cpp ok
else
  note cpp fail "g++ failed: $(last_lines "$work/cpp-build.log")"
fi

# C#: the console app over the managed API; the native files are copied beside it.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if flock "$build_lock" dotnet build "$here/csharp/CrossLang.csproj" -c Release -o "$out/csharp" -nologo -v:q \
     "-p:PlasmaSharpNativeDir=$native_bin/" > "$work/csharp-build.log" 2>&1; then
  note csharp ok
else
  note csharp fail "dotnet build failed: $(grep -E 'error' "$work/csharp-build.log" | sort -u | head -n 5 | tr '\n' ' ' | cut -c1-1500)"
fi

if bash "$here/node/install.sh" > "$work/node-build.log" 2>&1 \
   && node -e "require('$here/node/node_modules/koffi'); require('$here/node/node_modules/apache-arrow')" \
      >> "$work/node-build.log" 2>&1; then
  note node ok
else
  note node fail "npm ci failed: $(last_lines "$work/node-build.log")"
fi

note python ok
# The Python package (python/plasmasharp) from the source tree: on Arrow 11's python3 with
# --pyarrow where Arrow 11 is here (pyarrow 11 decodes; pyarrow.plasma is blocked inside the
# program), else on Debian's python3 relaying IPC bytes. The probe imports what it needs.
plasmasharp_py_python="$python"
plasmasharp_py_flags=()
if [ -z "${ARROW11_MISSING:-}" ]; then
  plasmasharp_py_python="$ARROW11_BIN/python3"
  plasmasharp_py_flags=(--pyarrow)
fi
plasmasharp_py=(env "PYTHONPATH=$repo/python" "PLASMASHARP_NATIVE_DIR=$native_bin" "$plasmasharp_py_python"
                "$here/plasmasharp-py/crosslang_plasmasharp.py" "${plasmasharp_py_flags[@]}")
if why="$("${plasmasharp_py[@]}" probe 2>&1)"; then
  note plasmasharp-py ok
else
  note plasmasharp-py fail "probe failed (plasmasharp, or pyarrow with --pyarrow, does not import): $why"
fi
echo "crosslang: our programs built in ${SECONDS} s (including any wait for $build_lock)"

# Arrow 11's own clients: libplasma's C++ PlasmaClient, and pyarrow 11 (run by ARROW11_BIN/python3:
# Debian's interpreter with pyarrow importable). Where Arrow 11 is here they must run.
if [ -n "${ARROW11_MISSING:-}" ]; then
  for language in cpp-real python+pyarrow pyarrow.plasma; do note "$language" skip "$ARROW11_MISSING"; done
else
  # -Wno-cpp: Arrow 11's plasma headers #warning that Plasma is deprecated.
  if flock "$build_lock" g++ -std=c++17 -O2 -Wall -Wextra -Wno-cpp -I"$ARROW11_HOME/include" \
       "$here/cpp-real/crosslang_real.cc" -L"$ARROW11_LIB" -lplasma -larrow -Wl,-rpath,"$ARROW11_LIB" \
       -o "$out/crosslang-cpp-real" > "$work/cpp-real-build.log" 2>&1; then
    note cpp-real ok
  else
    note cpp-real fail "g++ against libplasma failed: $(last_lines "$work/cpp-real-build.log")"
  fi
  for probe in pyarrow:python+pyarrow pyarrow-plasma:pyarrow.plasma; do
    if why="$("$ARROW11_BIN/python3" "$here/python/crosslang.py" probe "${probe%%:*}" 2>&1)"; then
      note "${probe#*:}" ok
    else
      note "${probe#*:}" fail "$ARROW11_BIN/python3 cannot import it: $why"
    fi
  done
fi

echo "crosslang: all programs built at ${SECONDS} s"

# start_store LABEL SOCKET COMMAND...: one store for every process of the run on that store.
# Both get the real store's flags only: 1.5 GB, enough for the 256 MiB objects.
start_store() {
  local label="$1" socket="$2"
  shift 2
  "$@" -m 1500000000 -s "$socket" > "$work/$label.log" 2>&1 &
  local pid=$!
  store_pid[$label]=$pid
  for _ in $(seq 1 100); do
    [ -S "$socket" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if [ -S "$socket" ]; then
    note "$label" ok
  else
    note "$label" fail "$1 did not create $socket: $(last_lines "$work/$label.log")"
  fi
}
our_socket="$work/our-store.sock"
real_socket="$work/real-store.sock"
if [ -x "$store_bin" ]; then
  start_store our-store "$our_socket" "$store_bin"
else
  note our-store fail "$store_bin is missing"
fi
if [ -n "${ARROW11_MISSING:-}" ]; then
  note real-store skip "$ARROW11_MISSING"
else
  start_store real-store "$real_socket" "$ARROW11_BIN/plasma-store-server"
fi

sep=$'\x1f'
arrow11_python="${ARROW11_BIN:-/nonexistent}/python3"
export PLASMASHARP_NATIVE_LIB="$lib"
# To add a language: one --lang line here, a note for it above, and its program implementing
# the shared command line (README.md).
"$python" "$here/driver.py" --results "$results" --work "$work" --prepared "$prepared" \
  --store "our-store=$our_socket" --store "real-store=$real_socket" \
  --lang "csharp=dotnet${sep}$out/csharp/crosslang-csharp.dll" \
  --lang "cpp=$out/crosslang-cpp" \
  --lang "node=node${sep}$here/node/crosslang.js" \
  --lang "python=$python${sep}$here/python/crosslang.py" \
  --lang "plasmasharp-py=$(IFS="$sep"; echo "${plasmasharp_py[*]}")" \
  --lang "python+pyarrow=$arrow11_python${sep}$here/python/crosslang.py${sep}--pyarrow" \
  --lang "pyarrow.plasma=$arrow11_python${sep}$here/python/crosslang.py${sep}--backend${sep}pyarrow-plasma${sep}--pyarrow" \
  --lang "cpp-real=$out/crosslang-cpp-real"
status=$?

for label in "${!store_pid[@]}"; do
  if ! kill -0 "${store_pid[$label]}" 2>/dev/null; then
    echo "crosslang: $label died during the run; its log:" >&2
    tail -n 20 "$work/$label.log" >&2
    status=1
  fi
done
echo "crosslang: wall time ${SECONDS} s (builds and both stores)"
exit "$status"
