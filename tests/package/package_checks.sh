# The plumbing both package tests share (run.sh: PlasmaSharp + the CLI tool; hosting.sh:
# PlasmaSharp.Hosting). A script sets SUITE (the JUnit suite name) and sources this with its own
# arguments (RESULTS_DIR [PACKAGES_DIR]); it then has here, repo, results, packages (may be empty),
# native_bin ($PLASMASHARP_NATIVE_BIN or build/bin), a work dir removed at exit, and:
#   record NAME pass|fail|skip [WHY]   one check, printed and kept for the JUnit file
#   finish                             writes RESULTS/SUITE.xml, prints the counts, exits 1 on a failure
#   write_nuget_config FILE PACKAGES   a NuGet config for a brand-new project: our packages only from
#                                      the local folder feed, an own package cache (a re-packed 0.1.0
#                                      is never confused with a cached one), the rest from the
#                                      machine's cache when present, else nuget.org
suite_started=$SECONDS
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
results="${1:?usage: $(basename "$0") RESULTS_DIR [PACKAGES_DIR]}"
packages="${2:-}"
mkdir -p "$results"
results="$(cd "$results" && pwd)"
native_bin="${PLASMASHARP_NATIVE_BIN:-$repo/build/bin}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# The apps must find everything through the packages, nothing through the environment.
unset PLASMASHARP_NATIVE_DIR LD_LIBRARY_PATH

work="$(mktemp -d "/tmp/plasmasharp-$SUITE.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cases="$work/cases.tsv"
: > "$cases"

record() {
  printf '%s\t%s\t%s\n' "$1" "$2" "$(printf '%s' "${3:-}" | tr '\n\t' '  ' | cut -c1-2000)" >> "$cases"
  if [ "$2" = pass ]; then echo "$SUITE: PASS $1"; else echo "$SUITE: ${2^^} $1${3:+: $3}"; fi
}

finish() {
  python3 - "$SUITE" "$cases" "$results/$SUITE.xml" <<'PY'
import sys
from xml.sax.saxutils import quoteattr, escape
suite, cases, target = sys.argv[1:4]
rows = [(l.rstrip("\n").split("\t") + ["", ""])[:3] for l in open(cases, encoding="utf-8") if l.strip()]
failures = sum(1 for r in rows if r[1] == "fail")
skipped = sum(1 for r in rows if r[1] == "skip")
with open(target, "w", encoding="utf-8") as out:
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<testsuite name="{suite}" tests="{len(rows)}" failures="{failures}" skipped="{skipped}">\n')
    for name, status, why in rows:
        out.write(f'  <testcase classname="{suite}" name={quoteattr(name)}>')
        if status == "fail":
            out.write(f'<failure message={quoteattr(why[:300])}>{escape(why)}</failure>')
        elif status == "skip":
            out.write(f'<skipped message={quoteattr(why[:300])}/>')
        out.write('</testcase>\n')
    out.write('</testsuite>\n')
PY
  local failed; failed="$(awk -F'\t' '$2=="fail"' "$cases" | wc -l)"
  echo "$SUITE: $(awk -F'\t' '$2=="pass"' "$cases" | wc -l) passed, $failed failed in $((SECONDS - suite_started)) s -> $results/$SUITE.xml"
  [ "$failed" -eq 0 ]
  exit $?
}

write_nuget_config() {
  local file="$1" packages="$2"
  cat > "$file" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config><add key="globalPackagesFolder" value="$work/nuget-packages" /></config>
  <packageSources>
    <clear />
    <add key="local" value="$packages" />
$( [ -d "$HOME/.nuget/packages" ] && echo "    <add key=\"machine-cache\" value=\"$HOME/.nuget/packages\" />" )
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="PlasmaSharp" /><package pattern="PlasmaSharp.*" /></packageSource>
$( [ -d "$HOME/.nuget/packages" ] && echo "    <packageSource key=\"machine-cache\"><package pattern=\"*\" /></packageSource>" )
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML
}
