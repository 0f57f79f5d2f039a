using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace PlasmaSharp.Bench.Cluster;

/// <summary>The processes a cluster bench starts: its own redis-server and `plasmasharp node`
/// processes (the deployed shape: PlasmaSharp.Cli.dll beside the bench).</summary>
internal static class BenchProcesses
{
    /// <summary>Starts redis-server on a free loopback port with no persistence; returns HOST:PORT.</summary>
    public static string StartRedis(string dir, out Process process)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var start = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, WorkingDirectory = dir };
        foreach (string a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir })
            start.ArgumentList.Add(a);
        process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        for (int i = 0; i < 500; i++)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, port);
                return $"127.0.0.1:{port}";
            }
            catch (SocketException)
            {
                Thread.Sleep(20);
            }
        }
        throw new TimeoutException("redis-server did not start");
    }

    /// <summary>Starts `plasmasharp node` with these arguments (after "node"); its output is kept in
    /// <paramref name="output"/> (to wait for its registration and to explain a failure).</summary>
    public static Process StartNode(StringBuilder output, params string[] nodeArgs)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PlasmaSharp.Cli.dll"));
        start.ArgumentList.Add("node");
        foreach (string a in nodeArgs) start.ArgumentList.Add(a);
        Process node = Process.Start(start)!;
        DataReceivedEventHandler keep = (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        node.OutputDataReceived += keep;
        node.ErrorDataReceived += keep;
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        return node;
    }

    /// <summary>Stops a process the bench started, if it still runs: SIGTERM first, so a node stops
    /// the store it bundles (after kill -9 that store would live on as an orphan), then kill after
    /// 20 s.</summary>
    public static void Stop(Process? process)
    {
        if (process is not { HasExited: false }) return;
        kill(process.Id, SigTerm);
        if (process.WaitForExit(TimeSpan.FromSeconds(20))) return;
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    private const int SigTerm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
