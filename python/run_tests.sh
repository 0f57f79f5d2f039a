#!/usr/bin/env bash
# The Python suites of the plasmasharp package (issue 13):
#   python/run_tests.sh RESULTS_DIR [NATIVE_BIN_DIR]      (NATIVE_BIN_DIR default: <repo>/build/bin)
# Three pytest runs, each writing JUnit XML into RESULTS_DIR:
#   python-pyarrow.xml    the API with pyarrow 11 importable ($ARROW11_BIN/python3; pyarrow.plasma
#                         blocked), against our store and the real Arrow 11 store
#   python-nopyarrow.xml  the same tests with Debian's /usr/bin/python3, no pyarrow
#   python-wheel.xml      the wheel built, pip-installed into a fresh venv and run from there
# Without Arrow 11 (ARROW11_MISSING) its parts report as skipped with that reason. Prints the
# wall time; exits non-zero when any run fails (pytest's "no tests collected" included).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
results="${1:?usage: run_tests.sh RESULTS_DIR [NATIVE_BIN_DIR]}"
mkdir -p "$results"
results="$(cd "$results" && pwd)"
export PLASMASHARP_NATIVE_DIR="$(cd "${2:-$repo/build/bin}" && pwd)"
if [ -z "${ARROW11_BIN:-}" ] && [ -z "${ARROW11_MISSING:-}" ]; then
  source "$repo/tests/arrow11/env.sh" "$repo/build"
fi
export PYTHONDONTWRITEBYTECODE=1
start=$SECONDS
failed=()

# run NAME PYTHON PYTEST_ARGS...
run() {
  local name="$1" python="$2"
  shift 2
  echo "== python suite $name ($python)"
  (cd "$here" && "$python" -m pytest -q -p no:cacheprovider -rs -o junit_suite_name="$name" \
      --junitxml="$results/$name.xml" "$@")
  local code=$?
  [ $code -eq 0 ] || failed+=("$name (pytest exit $code)")
}

# A JUnit file with one skipped testcase, for a run that cannot happen here.
skipped_run() {
  local name="$1" why="$2"
  echo "== python suite $name: skipped ($why)"
  why="${why//&/&amp;}"; why="${why//</&lt;}"; why="${why//>/&gt;}"; why="${why//\"/&quot;}"
  cat > "$results/$name.xml" <<XML
<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="$name" tests="1" failures="0" errors="0" skipped="1">
<testcase classname="python.$name" name="suite"><skipped message="$why"/></testcase>
</testsuite></testsuites>
XML
}

if [ -n "${ARROW11_BIN:-}" ]; then
  run python-pyarrow "$ARROW11_BIN/python3" tests --ignore=tests/wheel
else
  skipped_run python-pyarrow "pyarrow 11: ${ARROW11_MISSING:-ARROW11_BIN is not set}"
fi
run python-nopyarrow /usr/bin/python3 tests --ignore=tests/wheel
run python-wheel /usr/bin/python3 tests/wheel

echo "python suites: $((SECONDS - start)) s wall"
if [ ${#failed[@]} -gt 0 ]; then
  echo "python suites FAILED: ${failed[*]}" >&2
  exit 1
fi
