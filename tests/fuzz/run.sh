#!/usr/bin/env bash
# Short fuzz run for the test command: builds the libFuzzer targets with clang-14
# (-fsanitize=fuzzer,address,undefined) in build-fuzz, seeds them from the recorded vectors,
# runs each for SECONDS/N, and writes RESULTS_DIR/fuzz.xml (one JUnit testcase per target; a
# failure names the crash reproducer). Exits non-zero when a fuzzer found a crash.
#
# usage: tests/fuzz/run.sh RESULTS_DIR [SECONDS]     (SECONDS: total, default 60)
# env:   PS_FUZZ_BUILD_DIR (default build-fuzz), PLASMASHARP_WIRE_DIR, CC/CXX (default clang-14)
set -uo pipefail

results=${1:?usage: tests/fuzz/run.sh RESULTS_DIR [SECONDS]}
total_seconds=${2:-60}
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${PS_FUZZ_BUILD_DIR:-$repo/build-fuzz}
wire=${PLASMASHARP_WIRE_DIR:-$repo/../shared/plasma-wire}
targets=(fuzz_store_messages fuzz_client_replies)
mkdir -p "$results"
results=$(cd "$results" && pwd)
artifacts=$results/fuzz-artifacts
mkdir -p "$artifacts"
xml=$results/fuzz.xml

write_error_xml() {  # the build itself failed: one failing testcase that says so
  python3 - "$xml" "$1" <<'EOF'
import sys
from xml.sax.saxutils import escape
path, log = sys.argv[1], open(sys.argv[2], errors="replace").read()[-8000:]
open(path, "w").write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="fuzz" tests="1" failures="1">'
    '<testcase classname="fuzz" name="build"><failure message="fuzzer build failed">%s</failure></testcase></testsuite></testsuites>\n' % escape(log))
EOF
}

start=$(date +%s)
build_log=$results/fuzz-build.log
{
  CC=${CC:-clang-14} CXX=${CXX:-clang++-14} cmake -S "$repo/tests/fuzz" -B "$build" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" -DPLASMASHARP_WIRE_DIR="$wire" &&
  cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"
} >"$build_log" 2>&1
if [ $? -ne 0 ]; then
  echo "fuzz: build failed, see $build_log" >&2
  write_error_xml "$build_log"
  exit 2
fi
echo "fuzz: built in $(( $(date +%s) - start )) s"

seeds=$build/seeds
rm -rf "$seeds"
python3 "$repo/tests/fuzz/make_corpus.py" "$wire/vectors" "$seeds" || exit 2

per_target=$(( total_seconds / ${#targets[@]} ))
[ "$per_target" -lt 1 ] && per_target=1
crashed=0
cases_file=$(mktemp)
for t in "${targets[@]}"; do
  # malloc_limit: a single allocation beyond it is a finding (memory a peer can make us commit
  # with a few bytes); the store's own limit is its payload cap (capacity + 16 MiB).
  case $t in
    fuzz_store_messages) seed_dir=$seeds/store; malloc_limit=512 ;;
    fuzz_client_replies) seed_dir=$seeds/client; malloc_limit=256 ;;
  esac
  corpus=$build/corpus/$t  # grows across runs on one machine; seeds are re-added each run
  mkdir -p "$corpus"
  log=$results/$t.log
  t0=$(date +%s.%N)
  # -use_value_profile helps with the many int64 compares; -max_len covers Get/Batch payloads.
  PS_FUZZ_SHM_DIR=${PS_FUZZ_SHM_DIR:-/dev/shm} \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
    "$build/bin/$t" -max_total_time="$per_target" -timeout=10 -rss_limit_mb=2048 \
      -malloc_limit_mb="$malloc_limit" \
      -max_len=65536 -use_value_profile=1 -print_final_stats=1 \
      -artifact_prefix="$artifacts/$t-" "$corpus" "$seed_dir" >"$log" 2>&1
  rc=$?
  t1=$(date +%s.%N)
  reproducer=""
  if [ $rc -ne 0 ]; then
    crashed=1
    reproducer=$(grep -o "Test unit written to [^ ]*" "$log" | tail -n1 | sed 's/Test unit written to //')
    echo "fuzz: $t FAILED (exit $rc), reproducer: ${reproducer:-none}, log: $log" >&2
  else
    echo "fuzz: $t ok ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') runs)"
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$rc" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')" "$reproducer" "$log" >>"$cases_file"
done

python3 - "$xml" "$cases_file" <<'EOF'
import sys
from xml.sax.saxutils import escape, quoteattr
path, cases = sys.argv[1], [l.rstrip("\n").split("\t") for l in open(sys.argv[2]) if l.strip()]
failures = sum(1 for c in cases if c[1] != "0")
out = ['<?xml version="1.0" encoding="UTF-8"?>',
       '<testsuites><testsuite name="fuzz" tests="%d" failures="%d" time="%.1f">' %
       (len(cases), failures, sum(float(c[2]) for c in cases))]
for name, rc, secs, repro, log in cases:
    text = open(log, errors="replace").read()
    stats = "\n".join(l for l in text.splitlines() if l.startswith("stat::"))
    out.append('<testcase classname="fuzz" name=%s time="%s">' % (quoteattr(name), secs))
    if rc != "0":
        msg = "crash reproducer: %s (replay: %s %s)" % (repro or "none", name, repro)
        out.append('<failure message=%s>%s</failure>' % (quoteattr(msg), escape(text[-12000:])))
    out.append('<system-out>%s</system-out></testcase>' % escape(stats))
out.append('</testsuite></testsuites>')
open(path, "w").write("\n".join(out) + "\n")
EOF
rm -f "$cases_file"
echo "fuzz: $(( $(date +%s) - start )) s total, results in $xml"
exit $crashed
