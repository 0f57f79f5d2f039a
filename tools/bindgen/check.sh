#!/usr/bin/env bash
# The bindings check of the test command: regenerates the raw C# layer from the C ABI header into
# build/bindgen/ and fails when the checked-in bindings/NativeMethods.g.cs differs - the header
# changed without `./build.sh Generate`, or someone edited the generated file by hand.
#
# usage: tools/bindgen/check.sh RESULTS_DIR      -> RESULTS_DIR/bindings.xml (JUnit, one test case)
set -uo pipefail

results=${1:?usage: tools/bindgen/check.sh RESULTS_DIR}
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$repo/build/bindgen
mkdir -p "$out" "$results"
log=$out/check.log
cd "$repo"
{
  /usr/bin/python3 tools/bindgen/bindgen.py native/include/plasmasharp.h "$out/NativeMethods.g.cs" &&
  diff -u bindings/NativeMethods.g.cs "$out/NativeMethods.g.cs" &&
  echo "bindings/NativeMethods.g.cs matches native/include/plasmasharp.h"
} >"$log" 2>&1
status=$?
cat "$log"
[ $status -ne 0 ] && echo "bindings: differs from the header; run ./build.sh Generate and commit the result" >&2

/usr/bin/python3 - "$results/bindings.xml" "$status" "$log" <<'PY'
import sys
from xml.sax.saxutils import escape
path, status, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
failure = "" if status == 0 else (
    '<failure message="bindings/NativeMethods.g.cs differs from what native/include/plasmasharp.h generates;'
    ' run ./build.sh Generate">%s</failure>' % escape(open(log, errors="replace").read()[-12000:]))
open(path, "w").write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="bindings" tests="1" '
                      'failures="%d"><testcase classname="bindings" name="NativeMethods.g.cs is generated from the header">'
                      '%s</testcase></testsuite></testsuites>\n' % (status != 0, failure))
PY
exit $status
