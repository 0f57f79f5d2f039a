#!/usr/bin/env bash
# Package test (issue 5): proves the PlasmaSharp NuGet package works outside this repository.
#   bash tests/package/run.sh RESULTS_DIR [PACKAGES_DIR]
# PACKAGES_DIR: a folder holding PlasmaSharp.<version>.nupkg; when absent or without one, the
# package is packed first (dotnet pack, native files from $PLASMASHARP_NATIVE_BIN or build/bin)
# into artifacts/packages. Checks: the package's contents, `ldd` of its native files (glibc's own
# libraries only), and a brand-new console project (dotnet new console, in a temp folder) that
# adds the package from the local folder feed and runs consumer/Program.cs: starts the bundled
# store through PlasmaStore, puts/gets bytes and a record batch. Writes RESULTS_DIR/package.xml
# (JUnit, one testcase per check); exits 1 on any failure.
set -uo pipefail

SUITE=package
# shellcheck source=package_checks.sh
source "$(dirname "$0")/package_checks.sh" "$@"

# ---- 1. the package: given, or packed now
nupkg=""
[ -n "$packages" ] && nupkg="$(ls "$packages"/PlasmaSharp.[0-9]*.nupkg 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$nupkg" ]; then
  packages="${packages:-$repo/artifacts/packages}"
  mkdir -p "$packages"
  rm -f "$packages"/PlasmaSharp.[0-9]*.nupkg "$packages"/PlasmaSharp.[0-9]*.snupkg "$packages"/PlasmaSharp.Cli.[0-9]*.nupkg
  if dotnet pack "$repo/managed/PlasmaSharp.csproj" -c Release -nologo -v:q "-p:PlasmaSharpNativeDir=$native_bin/" \
       -o "$packages" > "$work/pack.log" 2>&1 \
     && dotnet pack "$repo/tools/cli/PlasmaSharp.Cli.csproj" -c Release -nologo -v:q "-p:PlasmaSharpNativeDir=$native_bin/" \
       -o "$packages" >> "$work/pack.log" 2>&1; then
    nupkg="$(ls "$packages"/PlasmaSharp.[0-9]*.nupkg 2>/dev/null | sort -V | tail -n 1)"
  fi
  if [ -z "$nupkg" ]; then
    record "dotnet pack produces PlasmaSharp.<version>.nupkg" fail "$(grep -E 'error|Error' "$work/pack.log" | sort -u | head -n 5)"
    finish
  fi
  record "dotnet pack produces PlasmaSharp.<version>.nupkg" pass
fi
packages="$(cd "$(dirname "$nupkg")" && pwd)"
version="$(basename "$nupkg" .nupkg)"; version="${version#PlasmaSharp.}"
echo "package: testing $nupkg (version $version)"

# ---- 2. contents
listing="$(unzip -Z1 "$nupkg" 2>/dev/null)"
missing=""
for f in lib/net10.0/PlasmaSharp.dll lib/net10.0/PlasmaSharp.xml \
         runtimes/linux-x64/native/libplasmasharp_native.so runtimes/linux-x64/native/plasma-store; do
  grep -qx "$f" <<< "$listing" || missing="$missing $f"
done
if [ -z "$missing" ]; then record "package holds the assembly, its XML docs and both native files" pass
else record "package holds the assembly, its XML docs and both native files" fail "missing:$missing"; fi
nuspec="$(unzip -p "$nupkg" '*.nuspec' 2>/dev/null)"
meta_missing=""
for tag in '<license type="expression">' '<description>' '<authors>' '<tags>' "<version>$version</version>"; do
  grep -qF "$tag" <<< "$nuspec" || meta_missing="$meta_missing $tag"
done
[ -f "$repo/README.md" ] && { grep -qF '<readme>README.md</readme>' <<< "$nuspec" && grep -qx README.md <<< "$listing" || meta_missing="$meta_missing readme"; }
if [ -z "$meta_missing" ]; then record "nuspec has version, license, description, authors, tags (and readme)" pass
else record "nuspec has version, license, description, authors, tags (and readme)" fail "missing:$meta_missing"; fi
if [ -f "${nupkg%.nupkg}.snupkg" ] && unzip -Z1 "${nupkg%.nupkg}.snupkg" | grep -qx lib/net10.0/PlasmaSharp.pdb; then
  record "symbols package (.snupkg) holds the PDB" pass
else record "symbols package (.snupkg) holds the PDB" fail "no ${nupkg%.nupkg}.snupkg with lib/net10.0/PlasmaSharp.pdb"; fi

# ---- 3. the native files depend on glibc only (no libstdc++, flatbuffers, xxhash, gcc_s...)
mkdir -p "$work/extracted"
unzip -q -o "$nupkg" 'runtimes/*' -d "$work/extracted" 2>/dev/null
for f in libplasmasharp_native.so plasma-store; do
  path="$work/extracted/runtimes/linux-x64/native/$f"
  if [ ! -f "$path" ]; then record "ldd $f: glibc only" fail "not in the package"; continue; fi
  deps="$(ldd "$path" 2>&1)"
  leaks="$(awk '{print $1}' <<< "$deps" | grep -vE '^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|/lib64/ld-linux-x86-64\.so\.2|ld-linux-x86-64\.so\.2|statically)$' | tr '\n' ' ')"
  if grep -q "not a dynamic executable" <<< "$deps"; then leaks=""; fi
  if [ -z "$leaks" ]; then record "ldd $f: glibc only" pass
  else record "ldd $f: glibc only" fail "also needs: $leaks(ldd: $(tr '\n' ';' <<< "$deps"))"; fi
done

# ---- 4. a brand-new console project that takes the package from the local folder feed
app="$work/app"
mkdir -p "$app" "$work/nuget-packages"
write_nuget_config "$work/nuget.config" "$packages"   # also used by the tool install below
cp "$work/nuget.config" "$app/nuget.config"
if (cd "$app" && dotnet new console -n PackageConsumer -o . --force > "$work/new.log" 2>&1 \
    && dotnet add package PlasmaSharp --version "$version" > "$work/add.log" 2>&1); then
  record "dotnet new console + dotnet add package PlasmaSharp $version (local folder feed)" pass
else
  record "dotnet new console + dotnet add package PlasmaSharp $version (local folder feed)" fail \
    "$(tail -n 5 "$work/new.log" "$work/add.log" 2>/dev/null)"
  finish
fi
cp "$here/consumer/Program.cs" "$app/Program.cs"
if (cd "$app" && dotnet build -c Release -nologo -v:q -o "$work/out" > "$work/build.log" 2>&1); then
  record "the console project builds against the package" pass
else
  record "the console project builds against the package" fail "$(grep -E 'error' "$work/build.log" | sort -u | head -n 5)"
  finish
fi
# NuGet does not keep the execute bit: the launcher must restore it (tested here).
store_exe="$work/out/runtimes/linux-x64/native/plasma-store"
[ -f "$store_exe" ] && chmod a-x "$store_exe"
(cd "$work" && timeout 120 dotnet "$work/out/PackageConsumer.dll" "$version") > "$work/run.log" 2>&1
status=$?
while IFS=$'\t' read -r verdict name why; do
  case "$verdict" in
    PASS) record "app: $name" pass ;;
    FAIL) record "app: $name" fail "$why" ;;
  esac
done < <(grep -E $'^(PASS|FAIL)\t' "$work/run.log")
if [ "$status" -ne 0 ] && ! grep -q $'^FAIL\t' "$work/run.log"; then
  record "app runs" fail "exit code $status: $(tail -n 5 "$work/run.log")"
fi

# ---- 5. the plasmasharp tool package: install it like a user would, drive a store with it
tool_nupkg="$(ls "$packages"/PlasmaSharp.Cli.[0-9]*.nupkg 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$tool_nupkg" ]; then
  record "dotnet tool install PlasmaSharp.Cli" skip "no PlasmaSharp.Cli package in $packages"
  finish
fi
tool_version="$(basename "$tool_nupkg" .nupkg)"; tool_version="${tool_version#PlasmaSharp.Cli.}"
if (cd "$work" && dotnet tool install PlasmaSharp.Cli --version "$tool_version" --tool-path "$work/tool" \
      --configfile "$work/nuget.config" > "$work/tool-install.log" 2>&1) && [ -x "$work/tool/plasmasharp" ]; then
  record "dotnet tool install PlasmaSharp.Cli gives a plasmasharp command" pass
else
  record "dotnet tool install PlasmaSharp.Cli gives a plasmasharp command" fail "$(tail -n 5 "$work/tool-install.log")"
  finish
fi
store_bin="$work/extracted/runtimes/linux-x64/native/plasma-store"
chmod +x "$store_bin"
"$store_bin" -m 16000000 -s "$work/tool.sock" > "$work/tool-store.log" 2>&1 &
tool_store_pid=$!
for _ in $(seq 1 100); do [ -S "$work/tool.sock" ] && break; sleep 0.05; done
printf 'tool round trip' > "$work/tool-in.txt"
tool_id="$("$work/tool/plasmasharp" put "$work/tool-in.txt" --metadata RAW --socket "$work/tool.sock" 2> "$work/tool.log")"
"$work/tool/plasmasharp" get "$tool_id" -o "$work/tool-out.txt" --socket "$work/tool.sock" >> "$work/tool.log" 2>&1
listed="$("$work/tool/plasmasharp" ls --socket "$work/tool.sock" 2>> "$work/tool.log")"
"$work/tool/plasmasharp" get "$(printf '0%.0s' $(seq 1 40))" --socket "$work/tool.sock" >> "$work/tool.log" 2>&1
missing_code=$?
kill "$tool_store_pid" 2>/dev/null; wait "$tool_store_pid" 2>/dev/null
if cmp -s "$work/tool-in.txt" "$work/tool-out.txt" && grep -q "^$tool_id " <<< "$listed" && [ "$missing_code" -eq 2 ]; then
  record "installed plasmasharp: put, get -o, ls, and exit code 2 for a missing object" pass
else
  record "installed plasmasharp: put, get -o, ls, and exit code 2 for a missing object" fail \
    "id '$tool_id', missing-object exit code $missing_code, ls: $listed; log: $(tail -n 5 "$work/tool.log")"
fi
finish
