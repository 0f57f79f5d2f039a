#!/usr/bin/env bash
# Package test of PlasmaSharp.Hosting (issue 19): a brand-new console project that uses only the
# packed PlasmaSharp.Hosting of ours (PlasmaSharp comes as its dependency) starts a host with a store
# and a client from appsettings.json, exports metrics to OpenTelemetry's in-memory exporter and
# reports healthy (hosting/Program.cs).
#   bash tests/package/hosting.sh RESULTS_DIR [PACKAGES_DIR]
# PACKAGES_DIR: a folder holding PlasmaSharp.Hosting.<v>.nupkg and PlasmaSharp.<v>.nupkg; when
# absent or without them, both are packed first (native files from $PLASMASHARP_NATIVE_BIN or
# build/bin) into artifacts/packages. Writes RESULTS_DIR/package-hosting.xml (JUnit).
set -uo pipefail

SUITE=package-hosting
# shellcheck source=package_checks.sh
source "$(dirname "$0")/package_checks.sh" "$@"
newest() { ls "$packages"/"$1".[0-9]*.nupkg 2>/dev/null | sort -V | tail -n 1; }

# ---- 1. the packages: given, or packed now
if [ -z "$packages" ] || [ -z "$(newest PlasmaSharp.Hosting)" ] || [ -z "$(newest PlasmaSharp)" ]; then
  packages="${packages:-$repo/artifacts/packages}"
  mkdir -p "$packages"
  rm -f "$packages"/PlasmaSharp.Hosting.[0-9]*.nupkg "$packages"/PlasmaSharp.Hosting.[0-9]*.snupkg
  if dotnet pack "$repo/managed/PlasmaSharp.csproj" -c Release -nologo -v:q "-p:PlasmaSharpNativeDir=$native_bin/" -o "$packages" > "$work/pack.log" 2>&1 \
     && dotnet pack "$repo/hosting/PlasmaSharp.Hosting/PlasmaSharp.Hosting.csproj" -c Release -nologo -v:q "-p:PlasmaSharpNativeDir=$native_bin/" -o "$packages" >> "$work/pack.log" 2>&1; then
    record "dotnet pack produces PlasmaSharp.Hosting.<version>.nupkg" pass
  else
    record "dotnet pack produces PlasmaSharp.Hosting.<version>.nupkg" fail "$(grep -E 'error' "$work/pack.log" | sort -u | head -n 5)"; finish
  fi
fi
packages="$(cd "$packages" && pwd)"
nupkg="$(newest PlasmaSharp.Hosting)"
version="$(basename "$nupkg" .nupkg)"; version="${version#PlasmaSharp.Hosting.}"
echo "package-hosting: testing $nupkg"

# ---- 2. contents: assembly, XML docs, readme, and a dependency on PlasmaSharp of the same version
listing="$(unzip -Z1 "$nupkg" 2>/dev/null)"
nuspec="$(unzip -p "$nupkg" '*.nuspec' 2>/dev/null)"
missing=""
for f in lib/net10.0/PlasmaSharp.Hosting.dll lib/net10.0/PlasmaSharp.Hosting.xml README.md; do
  grep -qx "$f" <<< "$listing" || missing="$missing $f"
done
grep -qF "<dependency id=\"PlasmaSharp\" version=\"$version\"" <<< "$nuspec" || missing="$missing dependency-on-PlasmaSharp-$version"
grep -qF '<license type="expression">' <<< "$nuspec" || missing="$missing license"
if [ -z "$missing" ]; then record "package holds the assembly, XML docs, readme and depends on PlasmaSharp $version" pass
else record "package holds the assembly, XML docs, readme and depends on PlasmaSharp $version" fail "missing:$missing"; fi

# ---- 3. a brand-new console project from the local folder feed (own package cache: no stale 0.1.0)
app="$work/app"; mkdir -p "$app"
write_nuget_config "$app/nuget.config" "$packages"
if (cd "$app" && dotnet new console -n HostingConsumer -o . --force > "$work/new.log" 2>&1 \
    && dotnet add package Microsoft.Extensions.Hosting --version 10.0.0 --no-restore >> "$work/new.log" 2>&1 \
    && dotnet add package OpenTelemetry.Extensions.Hosting --version 1.20.1 --no-restore >> "$work/new.log" 2>&1 \
    && dotnet add package OpenTelemetry.Exporter.InMemory --version 1.20.1 --no-restore >> "$work/new.log" 2>&1 \
    && dotnet add package PlasmaSharp.Hosting --version "$version" > "$work/add.log" 2>&1); then
  record "dotnet new console + dotnet add package PlasmaSharp.Hosting $version" pass
else
  record "dotnet new console + dotnet add package PlasmaSharp.Hosting $version" fail "$(tail -n 5 "$work/new.log" "$work/add.log" 2>/dev/null)"; finish
fi
if grep -q 'Include="PlasmaSharp"' "$app/HostingConsumer.csproj"; then
  record "the project references PlasmaSharp.Hosting only (PlasmaSharp is transitive)" fail "$(cat "$app/HostingConsumer.csproj")"
else record "the project references PlasmaSharp.Hosting only (PlasmaSharp is transitive)" pass; fi
cp "$here/hosting/Program.cs" "$here/hosting/appsettings.json" "$app/"
if (cd "$app" && dotnet build -c Release -nologo -v:q -o "$work/out" > "$work/build.log" 2>&1); then
  record "the console project builds against the packages" pass
else
  record "the console project builds against the packages" fail "$(grep -E 'error' "$work/build.log" | sort -u | head -n 5)"; finish
fi

# ---- 4. run it from its folder (appsettings.json is read from the working folder)
(cd "$app" && timeout 120 dotnet "$work/out/HostingConsumer.dll") > "$work/run.log" 2>&1
status=$?
while IFS=$'\t' read -r verdict name why; do
  case "$verdict" in
    PASS) record "app: $name" pass ;;
    FAIL) record "app: $name" fail "$why" ;;
  esac
done < <(grep -E $'^(PASS|FAIL)\t' "$work/run.log")
if [ "$status" -ne 0 ] && ! grep -q $'^FAIL\t' "$work/run.log"; then
  record "app runs" fail "exit code $status: $(tail -n 8 "$work/run.log")"
fi
finish
