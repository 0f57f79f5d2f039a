// PlasmaSharp's one build: native via CMake, managed via dotnet, every test suite, pack, demo,
// benchmarks. Run it through ./build.sh, which installs what a fresh machine lacks first.
//   Targets: Native, Build, Test, Pack, Run, Bench, Generate (default: Test).
using System.Xml.Linq;

var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var root = MakeAbsolute(Directory("."));
var buildDir = root.Combine("build");
var nativeBin = buildDir.Combine("bin");
var artifacts = root.Combine("artifacts");
var testResults = artifacts.Combine("test");
var solution = root.CombineWithFilePath("PlasmaSharp.sln");
// Every dotnet call sees the native output of this build (libplasmasharp_native.so, plasma-store).
var nativeDirProperty = $"-p:PlasmaSharpNativeDir={nativeBin.FullPath}/";

int Run(string tool, string args, DirectoryPath workdir = null) {
  Information($"> {tool} {args}");
  return StartProcess(tool, new ProcessSettings {
    Arguments = args,
    WorkingDirectory = workdir ?? root,
  });
}

// One test suite: runs it, prints its wall time (CI's budget is per suite), notes a failure.
void RunSuite(string name, string tool, string args, List<string> failures) {
  var watch = System.Diagnostics.Stopwatch.StartNew();
  var code = Run(tool, args);
  Information($"suite {name}: {watch.Elapsed.TotalSeconds:F0} s wall, exit {code}");
  if (code != 0) failures.Add(name);
}

// The real Arrow 11 Plasma (../shared/arrow11) for every suite: tests/arrow11/env.sh stages it
// under build/arrow11 and exports ARROW11_* (or ARROW11_MISSING, the reason the suites that
// need it report as skipped). Child processes inherit these variables.
void ImportArrow11Environment() {
  var output = new List<string>();
  foreach (var name in new[] { "ARROW11_HOME", "ARROW11_BIN", "ARROW11_LIB", "ARROW11_PYTHONPATH", "ARROW11_MISSING" }) {
    System.Environment.SetEnvironmentVariable(name, null);
  }
  StartProcess("bash", new ProcessSettings {
    Arguments = $"-c \"source tests/arrow11/env.sh '{buildDir}' && env | grep '^ARROW11_'\"",
    WorkingDirectory = root,
    RedirectStandardOutput = true,
  }, out var lines);
  foreach (var line in lines) {
    var eq = line.IndexOf('=');
    if (eq > 0) System.Environment.SetEnvironmentVariable(line.Substring(0, eq), line.Substring(eq + 1));
  }
  var missing = System.Environment.GetEnvironmentVariable("ARROW11_MISSING");
  if (!string.IsNullOrEmpty(missing)) Warning($"real Arrow 11 Plasma: not used ({missing}); its tests report as skipped");
  else Information($"real Arrow 11 Plasma: {System.Environment.GetEnvironmentVariable("ARROW11_HOME")}");
}

void RunOrFail(string tool, string args, DirectoryPath workdir = null) {
  var code = Run(tool, args, workdir);
  if (code != 0) throw new Exception($"'{tool} {args}' exited with {code}");
}

Task("Native")
  .Description("Configure and build the native store, client, C ABI and native tests (CMake).")
  .Does(() => {
    RunOrFail("cmake", $"-S . -B \"{buildDir}\" -DCMAKE_BUILD_TYPE=Release");
    RunOrFail("cmake", $"--build \"{buildDir}\" -j{Environment.ProcessorCount}");
  });

// Only what the demo needs (store executable + C ABI), not the native test
// suites: the newcomer's first `./build.sh run` compiles a few files instead of every GoogleTest binary.
Task("NativeRuntime")
  .Description("Configure and build only the store executable and the C ABI library (CMake).")
  .Does(() => {
    RunOrFail("cmake", $"-S . -B \"{buildDir}\" -DCMAKE_BUILD_TYPE=Release");
    RunOrFail("cmake", $"--build \"{buildDir}\" -j{Environment.ProcessorCount} --target plasma-store plasmasharp_native");
  });

// The raw C# bindings are generated from the C ABI header with libclang and checked in, so a
// review shows what changed; the test command regenerates them and fails on any difference.
Task("Generate")
  .Description("Regenerate bindings/NativeMethods.g.cs from native/include/plasmasharp.h (tools/bindgen).")
  .Does(() => {
    RunOrFail("/usr/bin/python3", "tools/bindgen/bindgen.py native/include/plasmasharp.h bindings/NativeMethods.g.cs");
  });

Task("Build")
  .Description("Native, then the .NET solution.")
  .IsDependentOn("Native")
  .Does(() => {
    if (FileExists(solution)) {
      RunOrFail("dotnet", $"build \"{solution}\" -c {configuration} {nativeDirProperty}");
    }
  });

Task("Test")
  .Description("Every suite: ctest, dotnet test, cross-language; ends with 'N passed, N failed, N skipped'.")
  .IsDependentOn("Build")
  .Does(() => {
    CleanDirectory(testResults);
    ImportArrow11Environment();
    // The Node packages (koffi, apache-arrow from the lock file) before any suite: the
    // cross-language suite and the cluster's remote-reader test both run the Node reader. A
    // failure here shows up as those suites' Node failure, with npm's output.
    Run("bash", "tests/crosslang/node/install.sh");
    var failures = new List<string>();
    // The checked-in raw bindings are what the header generates (tools/bindgen/check.sh).
    RunSuite("bindings", "bash", $"tools/bindgen/check.sh \"{testResults}\"", failures);
    // Native suites (GoogleTest through ctest), results as JUnit XML.
    RunSuite("native", "ctest", $"--test-dir \"{buildDir}\" --output-on-failure -j{Environment.ProcessorCount} " +
                                $"--output-junit \"{testResults}/native.xml\"", failures);
    // Managed suites, results as TRX.
    if (FileExists(solution)) {
      RunSuite("managed", "dotnet", $"test \"{solution}\" -c {configuration} --no-build {nativeDirProperty} " +
                                    $"--results-directory \"{testResults}\" --logger \"trx\"", failures);
    }
    // Script suites write their own JUnit XML into artifacts/test: cross-language, package, then
    // hardening (60 s of libFuzzer on the store's message handling and the client's reply
    // decoding, the ASan/UBSan build of the native suites and valgrind on the client tests).
    foreach (var (name, script, extra) in new[] {
        ("crosslang", "tests/crosslang/run.sh", ""),
        ("python", "python/run_tests.sh", ""),
        ("package", "tests/package/run.sh", ""),
        ("package-hosting", "tests/package/hosting.sh", ""),
        ("fuzz", "tests/fuzz/run.sh", " 60"),
        ("sanitize", "tests/sanitize/run.sh", ""),
      }) {
      var path = root.CombineWithFilePath(script);
      if (FileExists(path)) RunSuite(name, "bash", $"\"{path}\" \"{testResults}\"{extra}", failures);
    }
    var summary = Summarize(testResults);
    System.IO.File.WriteAllText(testResults.CombineWithFilePath("summary.txt").FullPath, summary + "\n");
    Information(summary);
    if (failures.Count > 0 || summary.StartsWith("0 passed, 0 failed")) {
      throw new Exception($"test suites failed: {string.Join(", ", failures)}");
    }
  });

Task("Pack")
  .Description("NuGet packages into artifacts/packages: PlasmaSharp (managed + runtimes/linux-x64/native) and the plasmasharp tool; the Python wheel into artifacts/python.")
  .IsDependentOn("Native")
  .Does(() => {
    var packages = artifacts.Combine("packages");
    EnsureDirectoryExists(packages);
    foreach (var project in new[] { "managed/PlasmaSharp.csproj", "hosting/PlasmaSharp.Hosting/PlasmaSharp.Hosting.csproj", "tools/cli/PlasmaSharp.Cli.csproj" }) {
      if (!FileExists(root.CombineWithFilePath(project))) continue;
      RunOrFail("dotnet", $"pack {project} -c {configuration} {nativeDirProperty} -o \"{packages}\"");
    }
    // The Python wheel (python/README.md): standard-library zip writer, native files bundled.
    RunOrFail("bash", $"python/build_wheel.sh \"{artifacts.Combine("python")}\" \"{nativeBin}\"", root);
  });

Task("Run")
  .Description("The demo (the main job): bundled plasma-store, a 10-million-row Arrow batch, zero-copy consumers. " +
               "Options: --store-socket=PATH (an existing store), --rows=N, --consumers=N, --store-memory=BYTES, --no-crosslang.")
  .IsDependentOn("NativeRuntime")
  .Does(() => {
    var demoArgs = new List<string>();
    foreach (var name in new[] { "store-socket", "rows", "consumers", "store-memory" }) {
      if (HasArgument(name)) demoArgs.Add($"--{name} \"{Argument<string>(name)}\"");
    }
    if (HasArgument("no-crosslang")) demoArgs.Add("--no-crosslang");
    // The demo's Node.js consumer uses koffi + apache-arrow pinned by tests/crosslang/node's lock
    // file; install them once if npm is there (best effort: without them that consumer is skipped).
    if (!HasArgument("no-crosslang") && Run("bash", "tests/crosslang/node/install.sh") != 0) {
      Warning("npm ci failed; the Node.js consumer will be skipped");
    }
    RunOrFail("dotnet", $"run --project tools/demo -c {configuration} {nativeDirProperty} -- {string.Join(" ", demoArgs)}");
  });

Task("Bench")
  .Description("Benchmarks against their floors into artifacts/bench/results.json + results.md (tools/bench/README.md). " +
               "Quick by default; --full for the long run; --store-socket=PATH runs the client figures against another store.")
  .IsDependentOn("Native")
  .Does(() => {
    ImportArrow11Environment();
    var benchArgs = HasArgument("full") ? "--full" : "--quick";
    if (HasArgument("store-socket")) benchArgs += $" --store-socket \"{Argument<string>("store-socket")}\"";
    var code = StartProcess("bash", new ProcessSettings {
      Arguments = $"tools/bench/run.sh {benchArgs}",
      WorkingDirectory = root,
      // Reuse this build's native output instead of a separate bench build tree.
      EnvironmentVariables = new Dictionary<string, string> { ["BENCH_BUILD_DIR"] = buildDir.FullPath },
    });
    if (code != 0) throw new Exception($"tools/bench/run.sh exited with {code}");
  });

Task("Default").IsDependentOn("Test");

// Counts every JUnit (*.xml) and TRX (*.trx) result under a folder.
string Summarize(DirectoryPath folder) {
  int passed = 0, failed = 0, skipped = 0;
  foreach (var file in GetFiles($"{folder}/**/*.xml").Concat(GetFiles($"{folder}/**/*.trx"))) {
    int p = 0, f = 0, s = 0;
    var failedNames = new List<string>();
    XDocument doc;
    try { doc = XDocument.Load(file.FullPath); }
    catch (Exception) { Warning($"{file}: unreadable, counted as one failure"); failed++; continue; }
    if (file.GetExtension() == ".trx") {
      foreach (var r in doc.Descendants().Where(e => e.Name.LocalName == "UnitTestResult")) {
        var outcome = (string)r.Attribute("outcome");
        if (outcome == "Passed") p++;
        else if (outcome == "NotExecuted" || outcome == "Inconclusive") s++;
        else { f++; failedNames.Add((string)r.Attribute("testName")); }
      }
    } else {
      foreach (var c in doc.Descendants("testcase")) {
        var status = (string)c.Attribute("status") ?? "";
        if (c.Element("failure") != null || c.Element("error") != null || status == "fail") {
          f++;
          failedNames.Add($"{(string)c.Attribute("classname")} {(string)c.Attribute("name")}".Trim());
        }
        else if (c.Element("skipped") != null || status == "notrun" || status == "disabled") s++;
        else p++;
      }
    }
    Information($"{file.GetFilename()}: {p} passed, {f} failed, {s} skipped");
    // Named here, near the end of the log, because a CI log may keep only its tail.
    foreach (var name in failedNames) Information($"  FAILED {name}");
    passed += p; failed += f; skipped += s;
  }
  return $"{passed} passed, {failed} failed, {skipped} skipped";
}

RunTarget(target);
