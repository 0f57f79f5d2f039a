#!/usr/bin/env bash
# The bindings suite of the test command:
#  1. regenerates the raw C# layer from the C ABI header into build/bindgen/ and fails when the
#     checked-in bindings/NativeMethods.g.cs differs - the header changed without
#     `./build.sh Generate`, or someone edited the generated file by hand;
#  2. feeds the generator a header with a type it cannot map (a function pointer) and expects it to
#     stop with an error naming it, not to guess.
#
# usage: tools/bindgen/check.sh RESULTS_DIR      -> RESULTS_DIR/bindings.xml (JUnit)
set -uo pipefail

results=${1:?usage: tools/bindgen/check.sh RESULTS_DIR}
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$repo/build/bindgen
mkdir -p "$out" "$results"
cd "$repo"
status=0
cases=()

# record NAME STATUS LOG: one test case for the JUnit file, its log echoed.
record() {
  cat "$3"
  cases+=("$1" "$2" "$3")
  [ "$2" -eq 0 ] || status=1
}

log=$out/generated.log
{
  /usr/bin/python3 tools/bindgen/bindgen.py native/include/plasmasharp.h "$out/NativeMethods.g.cs" &&
  diff -u bindings/NativeMethods.g.cs "$out/NativeMethods.g.cs" &&
  echo "bindings/NativeMethods.g.cs matches native/include/plasmasharp.h"
} >"$log" 2>&1 || { echo "bindings: differs from the header; run ./build.sh Generate and commit the result"; false; } >>"$log"
record "NativeMethods.g.cs is what the header generates" $? "$log"

log=$out/unsupported.log
printf '#include <stdint.h>\ntypedef void (*ps_callback)(int32_t);\nint32_t ps_register(ps_callback callback);\n' >"$out/unsupported.h"
/usr/bin/python3 tools/bindgen/bindgen.py "$out/unsupported.h" "$out/unsupported.g.cs" >"$log" 2>&1
code=$?
if [ $code -eq 1 ] && grep -q "ps_register(callback): no blittable C# type" "$log"; then
  echo "bindgen refuses a function pointer, naming it" >>"$log"; ok=0
else
  echo "expected exit 1 and an error naming ps_register(callback); got exit $code" >>"$log"; ok=1
fi
record "an unmappable type stops the generator" $ok "$log"

/usr/bin/python3 - "$results/bindings.xml" "${cases[@]}" <<'PY'
import sys
from xml.sax.saxutils import escape, quoteattr
path, rest = sys.argv[1], sys.argv[2:]
rows, failures = [], 0
for name, status, log in zip(rest[0::3], rest[1::3], rest[2::3]):
    failure = ""
    if status != "0":
        failures += 1
        failure = '<failure message="see the log">%s</failure>' % escape(open(log, errors="replace").read()[-12000:])
    rows.append('<testcase classname="bindings" name=%s>%s</testcase>' % (quoteattr(name), failure))
open(path, "w").write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="bindings" tests="%d" '
                      'failures="%d">%s</testsuite></testsuites>\n' % (len(rows), failures, "".join(rows)))
PY
exit $status
