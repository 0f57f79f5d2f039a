#!/usr/bin/env bash
# Sanitizer and valgrind pass of the native tests, for the test command.
#  1. ASan + UBSan: configures build-asan with -DPLASMASHARP_SANITIZE=ON, builds the store, the
#     C ABI and the test executables of tests/native/{store,client,capi,hostile,spill} (not the slow
#     fault suite), and runs them through ctest -> RESULTS_DIR/sanitize.xml.
#  2. valgrind memcheck on the client test executables of the normal build (BUILD_DIR, default
#     build) -> RESULTS_DIR/valgrind.xml, one testcase per executable.
# Exits non-zero when either part has a failure.
#
# usage: tests/sanitize/run.sh RESULTS_DIR
# env:   PS_ASAN_BUILD_DIR (default build-asan), BUILD_DIR (default build), PS_SKIP_VALGRIND=1
set -uo pipefail

results=${1:?usage: tests/sanitize/run.sh RESULTS_DIR}
repo=$(cd "$(dirname "$0")/../.." && pwd)
asan_build=${PS_ASAN_BUILD_DIR:-$repo/build-asan}
normal_build=${BUILD_DIR:-$repo/build}
mkdir -p "$results"
results=$(cd "$results" && pwd)
jobs=$(nproc)
status=0
start=$(date +%s)

junit_single_failure() {  # file suite name message logfile
  python3 - "$@" <<'EOF'
import sys
from xml.sax.saxutils import escape, quoteattr
path, suite, name, msg, log = sys.argv[1:6]
text = open(log, errors="replace").read()[-12000:]
open(path, "w").write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name=%s tests="1" failures="1">'
  '<testcase classname=%s name=%s><failure message=%s>%s</failure></testcase></testsuite></testsuites>\n'
  % (quoteattr(suite), quoteattr(suite), quoteattr(name), quoteattr(msg), escape(text)))
EOF
}

# ---------------------------------------------------------------- 1. ASan + UBSan
build_log=$results/sanitize-build.log
{
  # -O1 -g1: what ASan recommends, line numbers in reports, and a much faster build than -O2 -g.
  cmake -S "$repo" -B "$asan_build" -DPLASMASHARP_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" \
        -DPLASMASHARP_BENCH=OFF &&
  # The suites of the focused subset: every *_test target defined under these test folders.
  targets=$(cd "$asan_build" && for d in store client capi hostile spill; do
              ls -d tests/native/$d/CMakeFiles/*_test.dir 2>/dev/null; done |
            sed 's|.*/CMakeFiles/||; s|\.dir$||' | sort -u | tr '\n' ' ') &&
  echo "sanitize: building $targets" &&
  cmake --build "$asan_build" -j"$jobs" --target plasma-store plasmasharp_native $targets
} >"$build_log" 2>&1
if [ $? -ne 0 ]; then
  echo "sanitize: ASan build failed, see $build_log" >&2
  junit_single_failure "$results/sanitize.xml" sanitize build "ASan/UBSan build failed" "$build_log"
  status=1
else
  echo "sanitize: ASan/UBSan build done in $(( $(date +%s) - start )) s"
  t0=$(date +%s)
  # halt_on_error: a UBSan report fails the test. The store under test is the ASan build too
  # (StoreProcess starts build-asan/bin/plasma-store), so its reports reach the test's stderr
  # and its death fails the test. Suites not built above show up as *_NOT_BUILT: excluded.
  # Slow cases excluded under ASan (they run in the normal build): none yet.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$asan_build" -j"$jobs" --timeout 300 --output-on-failure \
      -E "_NOT_BUILT${PS_SANITIZE_EXCLUDE:+|$PS_SANITIZE_EXCLUDE}" \
      --output-junit "$results/sanitize.xml" >"$results/sanitize.log" 2>&1 || status=1
  tail -n 3 "$results/sanitize.log"
  echo "sanitize: ctest under ASan/UBSan took $(( $(date +%s) - t0 )) s"
fi

# ---------------------------------------------------------------- 2. valgrind
if [ "${PS_SKIP_VALGRIND:-0}" != 1 ]; then
  t0=$(date +%s)
  cases=$(mktemp)
  if ! command -v valgrind >/dev/null; then
    echo -e "valgrind\t127\t0\t/dev/null" >>"$cases"
  else
    for exe in "$normal_build"/bin/client_*_test; do
      [ -x "$exe" ] || continue
      name=$(basename "$exe")
      log=$results/valgrind-$name.log
      c0=$(date +%s.%N)
      # Errors (invalid reads/writes, uninitialised use, definite leaks) fail the case; the
      # forked plasma-store child is not traced (--trace-children=no).
      valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite --show-leak-kinds=definite --trace-children=no \
        --num-callers=30 --suppressions="$repo/tests/sanitize/valgrind.supp" \
        "$exe" --gtest_brief=1 >"$log" 2>&1
      rc=$?
      c1=$(date +%s.%N)
      echo -e "$name\t$rc\t$(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.1f", b-a}')\t$log" >>"$cases"
      [ $rc -ne 0 ] && { status=1; echo "valgrind: $name FAILED (exit $rc), see $log" >&2; }
    done
  fi
  python3 - "$results/valgrind.xml" "$cases" <<'EOF'
import sys
from xml.sax.saxutils import escape, quoteattr
path, rows = sys.argv[1], [l.rstrip("\n").split("\t") for l in open(sys.argv[2]) if l.strip()]
fails = sum(1 for r in rows if r[1] != "0")
out = ['<?xml version="1.0" encoding="UTF-8"?>',
       '<testsuites><testsuite name="valgrind" tests="%d" failures="%d">' % (len(rows), fails)]
for name, rc, secs, log in rows:
    text = open(log, errors="replace").read()
    summary = "\n".join(l for l in text.splitlines() if "ERROR SUMMARY" in l or "definitely lost" in l)
    out.append('<testcase classname="valgrind" name=%s time="%s">' % (quoteattr(name), secs))
    if rc != "0":
        why = "valgrind errors" if rc == "99" else ("valgrind missing" if rc == "127" else "test failed under valgrind (exit %s)" % rc)
        out.append('<failure message=%s>%s</failure>' % (quoteattr(why), escape(text[-12000:])))
    out.append('<system-out>%s</system-out></testcase>' % escape(summary))
out.append('</testsuite></testsuites>')
open(path, "w").write("\n".join(out) + "\n")
EOF
  rm -f "$cases"
  echo "valgrind: client tests took $(( $(date +%s) - t0 )) s"
fi

echo "sanitize: $(( $(date +%s) - start )) s total"
exit $status
