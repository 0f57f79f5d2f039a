using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>One `plasmasharp node` as a separate process (dotnet PlasmaSharp.Cli.dll node ...).</summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NodeProcess(string id, Process process, string? storeSocket)
    {
        Id = id;
        _process = process;
        StoreSocket = storeSocket;
    }

    public string Id { get; }

    /// <summary>The socket of the store the node runs or attaches to.</summary>
    public string? StoreSocket { get; }

    public int ProcessId => _process.Id;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Starts a node with a bundled store (--memory/--socket) in <paramref name="dir"/>.</summary>
    public static NodeProcess StartWithStore(string redis, string id, string dir, string memory = "64M", string ttl = "2", params string[] extra) =>
        Start(id, Path.Combine(dir, id + ".sock"), ["node", "--redis", redis, "--node-id", id, "--memory", memory,
              "--socket", Path.Combine(dir, id + ".sock"), "--ttl", ttl, .. extra]);

    /// <summary>Starts a node attached to a running store.</summary>
    public static NodeProcess Attach(string redis, string id, string storeSocket, string ttl = "2", params string[] extra) =>
        Start(id, storeSocket, ["node", "--redis", redis, "--node-id", id, "--store-socket", storeSocket, "--ttl", ttl, .. extra]);

    /// <summary>Any plasmasharp command as its own process (e.g. get --cluster, to kill it mid-pull).</summary>
    public static NodeProcess StartCli(string name, params string[] args) => Start(name, null, args);

    private static NodeProcess Start(string id, string? storeSocket, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PlasmaSharp.Cli.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        var node = new NodeProcess(id, Process.Start(start)!, storeSocket);
        node._process.OutputDataReceived += node.OnOutput;
        node._process.ErrorDataReceived += node.OnOutput;
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        return node;
    }

    private void OnOutput(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is null) return;
        lock (_output) _output.AppendLine(e.Data);
    }

    /// <summary>Waits until the node has registered and published its store's list.</summary>
    public async Task WaitRegisteredAsync(TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (!Output.Contains($"registered node {Id} and published", StringComparison.Ordinal))
        {
            if (_process.HasExited) throw new InvalidOperationException($"node {Id} exited with {_process.ExitCode}:\n{Output}");
            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(30))) throw new TimeoutException($"node {Id} did not register:\n{Output}");
            await Task.Delay(50);
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>kill -9 of the node process alone (a store it started lives on as an orphan).</summary>
    public void Kill9()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    /// <summary>SIGTERM, then waits for the exit.</summary>
    public async Task<int> TerminateAsync(TimeSpan? timeout = null)
    {
        if (!_process.HasExited) kill(_process.Id, 15);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) await TerminateAsync();
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
