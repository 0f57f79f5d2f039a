using System.Diagnostics;

namespace PlasmaSharp.Demo;

/// <summary>One consumer process's outcome: its report, or why it failed / was skipped.</summary>
internal sealed record ConsumerRun(string Lang, ConsumerReport? Report, string? Error, bool Skipped = false);

/// <summary>Starts the consumer processes: this program in consumer mode (C#), and the Node.js and
/// Python consumers beside it (consumers/) when their runtime and libraries are there.</summary>
internal static class ConsumerProcesses
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static Task<ConsumerRun> RunCSharpAsync(string socket, ObjectId id)
    {
        // Re-launch this very program: the apphost, or `dotnet plasmasharp-demo.dll`.
        string self = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(self);
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            start.ArgumentList.Add(typeof(ConsumerProcesses).Assembly.Location);
        start.ArgumentList.Add("consume");
        start.ArgumentList.Add(socket);
        start.ArgumentList.Add(id.ToString());
        return RunAsync("csharp", start);
    }

    /// <summary>The cross-language consumers: a started run, or null (with the reason as the name)
    /// when the language cannot run here.</summary>
    public static IEnumerable<(string Lang, Task<ConsumerRun>? Run)> CrossLanguage(string socket, ObjectId id)
    {
        string consumers = Path.Combine(AppContext.BaseDirectory, "consumers");
        string? library = FindNativeLibrary();
        if (library is null)
        {
            yield return ("node and python: libplasmasharp_native.so not found beside the demo", null);
            yield break;
        }

        string? node = FindOnPath("node");
        string? nodeModules = FindNodeModules();
        if (node is null) yield return ("node: no `node` on PATH", null);
        else if (nodeModules is null)
            yield return ("node: koffi + apache-arrow not installed (run `npm ci` in tests/crosslang/node, or set PLASMASHARP_NODE_MODULES)", null);
        else
        {
            var start = new ProcessStartInfo(node);
            start.ArgumentList.Add(Path.Combine(consumers, "consumer.js"));
            foreach (string a in new[] { library, socket, id.ToString() }) start.ArgumentList.Add(a);
            start.Environment["NODE_PATH"] = nodeModules;
            yield return ("node", RunAsync("node", start));
        }

        string? python = FindOnPath("python3");
        if (python is null) yield return ("python: no `python3` on PATH", null);
        else
        {
            var start = new ProcessStartInfo(python);
            start.ArgumentList.Add(Path.Combine(consumers, "consumer.py"));
            foreach (string a in new[] { library, socket, id.ToString() }) start.ArgumentList.Add(a);
            yield return ("python", RunAsync("python", start));
        }
    }

    private static async Task<ConsumerRun> RunAsync(string lang, ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        try
        {
            using var process = Process.Start(start)!;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(Timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return new ConsumerRun(lang, null, $"no answer within {Timeout.TotalSeconds:0} s");
            }
            string output = await stdout, errors = (await stderr).Trim();
            if (process.ExitCode == 0) return new ConsumerRun(lang, ConsumerReport.Parse(output), null);
            string why = errors.Length > 0 ? errors.Split('\n')[^1] : $"exit code {process.ExitCode}";
            return new ConsumerRun(lang, null, why, Skipped: why.StartsWith("SKIP", StringComparison.Ordinal));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new ConsumerRun(lang, null, $"cannot start {start.FileName}: {e.Message}");
        }
    }

    private static string? FindNativeLibrary()
    {
        string[] dirs =
        [
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native"),
            AppContext.BaseDirectory,
            Environment.GetEnvironmentVariable("PLASMASHARP_NATIVE_DIR") ?? "",
        ];
        return dirs.Where(d => d.Length > 0).Select(d => Path.Combine(d, "libplasmasharp_native.so")).FirstOrDefault(File.Exists);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    // koffi (to call the C ABI) and apache-arrow (to decode the batch): the ones tests/crosslang/node
    // installs from its lock file, found by walking up from the demo's folder to the repository.
    private static string? FindNodeModules()
    {
        static bool Usable(string dir) =>
            Directory.Exists(Path.Combine(dir, "koffi")) && Directory.Exists(Path.Combine(dir, "apache-arrow"));
        string? fromEnv = Environment.GetEnvironmentVariable("PLASMASHARP_NODE_MODULES");
        if (!string.IsNullOrEmpty(fromEnv)) return Usable(fromEnv) ? fromEnv : null;
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "crosslang", "node", "node_modules");
            if (Usable(candidate)) return candidate;
        }
        return null;
    }
}
