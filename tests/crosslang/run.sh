#!/usr/bin/env bash
# Cross-language tests (issue 6): C#, C++, Node.js and Python processes sharing one plasma-store.
#   bash tests/crosslang/run.sh RESULTS_DIR [NATIVE_BIN_DIR]      (from anywhere)
# NATIVE_BIN_DIR (default <repo>/build/bin) holds libplasmasharp_native.so and plasma-store.
# Builds the three programs into NATIVE_BIN_DIR/../crosslang, starts ONE store on a socket in a
# fresh temp dir, runs driver.py (every writer x reader pair, one OS process each), which writes
# RESULTS_DIR/crosslang.xml and prints the matrix. Exits non-zero on any failure.
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

work="$(mktemp -d /tmp/plasmasharp-crosslang.XXXXXX)"
store_pid=""
cleanup() {
  if [ -n "$store_pid" ]; then
    kill "$store_pid" 2>/dev/null
    wait "$store_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

prepared="$work/prepared.tsv"
: > "$prepared"
# note LANGUAGE ok|fail|skip WHY: one "build" testcase per language in the JUnit file.
note() { printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >> "$prepared"; }
last_lines() { tail -n 15 "$1" | tr '\n\t' '  ' | cut -c1-1500; }

echo "crosslang: native dir $native_bin, build dir $out"
if [ ! -f "$lib" ] || [ ! -x "$store_bin" ]; then
  echo "crosslang: $lib or $store_bin is missing (build native first)" >&2
  note native fail "missing $lib or $store_bin: build the native code first"
fi

# C++: compiled here against the C ABI header and the built library (rpath: runs in place).
if g++ -std=c++17 -O2 -Wall -Wextra -I"$repo/native/include" "$here/cpp/crosslang.cc" \
     -L"$native_bin" -Wl,-rpath,"$native_bin" -lplasmasharp_native -o "$out/crosslang-cpp" \
     > "$work/cpp-build.log" 2>&1; then
  note cpp ok
else
  note cpp fail "g++ failed: $(last_lines "$work/cpp-build.log")"
fi

# C#: the console app over the managed API; the native files are copied beside it.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if dotnet build "$here/csharp/CrossLang.csproj" -c Release -o "$out/csharp" -nologo -v:q \
     "-p:PlasmaSharpNativeDir=$native_bin/" > "$work/csharp-build.log" 2>&1; then
  note csharp ok
else
  note csharp fail "dotnet build failed: $(grep -E 'error' "$work/csharp-build.log" | sort -u | head -n 5 | tr '\n' ' ' | cut -c1-1500)"
fi

# Node: the committed package-lock.json pins koffi and apache-arrow. npm ci reinstalls from
# scratch, so it runs only when node_modules is older than the lock file (or missing).
node_install() {
  local installed="$here/node/node_modules/.package-lock.json"
  if [ -f "$installed" ] && [ "$installed" -nt "$here/node/package-lock.json" ]; then
    echo "node_modules is up to date with package-lock.json"
  else
    (cd "$here/node" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
if node_install > "$work/node-build.log" 2>&1 \
   && node -e "require('$here/node/node_modules/koffi'); require('$here/node/node_modules/apache-arrow')" \
      >> "$work/node-build.log" 2>&1; then
  note node ok
else
  note node fail "npm ci failed: $(last_lines "$work/node-build.log")"
fi

note python ok
# The optional Python paths run only where pyarrow / pyarrow.plasma import; else skipped.
for probe in pyarrow:python+pyarrow pyarrow-plasma:pyarrow.plasma; do
  why="$("$python" "$here/python/crosslang.py" probe "${probe%%:*}" 2>&1)"
  if [ $? -eq 0 ]; then note "${probe#*:}" ok; else note "${probe#*:}" skip "$why"; fi
done

# One store for every process of the run: 1.5 GB, enough for the 256 MiB objects.
socket="$work/plasma.sock"
if [ -x "$store_bin" ]; then
  "$store_bin" -m 1500000000 -s "$socket" > "$work/store.log" 2>&1 &
  store_pid=$!
  for _ in $(seq 1 100); do
    [ -S "$socket" ] && break
    kill -0 "$store_pid" 2>/dev/null || break
    sleep 0.05
  done
  if [ ! -S "$socket" ]; then
    note store fail "plasma-store did not create $socket: $(last_lines "$work/store.log")"
  fi
fi

sep=$'\x1f'
export PLASMASHARP_NATIVE_LIB="$lib"
"$python" "$here/driver.py" --socket "$socket" --results "$results" --work "$work" --prepared "$prepared" \
  --lang "csharp=dotnet${sep}$out/csharp/crosslang-csharp.dll" \
  --lang "cpp=$out/crosslang-cpp" \
  --lang "node=node${sep}$here/node/crosslang.js" \
  --lang "python=$python${sep}$here/python/crosslang.py" \
  --lang "python+pyarrow=$python${sep}$here/python/crosslang.py${sep}--pyarrow" \
  --lang "pyarrow.plasma=$python${sep}$here/python/crosslang.py${sep}--backend${sep}pyarrow-plasma${sep}--pyarrow"
status=$?

if [ -n "$store_pid" ] && ! kill -0 "$store_pid" 2>/dev/null; then
  echo "crosslang: the store died during the run; its log:" >&2
  tail -n 20 "$work/store.log" >&2
  status=1
fi
exit "$status"
