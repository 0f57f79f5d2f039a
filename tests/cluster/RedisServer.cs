using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>A real redis-server of this test alone: a free loopback port, no persistence, its own
/// temp dir. It can be killed with SIGKILL and restarted (empty) on the same port.</summary>
public sealed class RedisServer : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("plasmasharp-redis-").FullName;
    private Process? _process;

    private readonly string? _password;

    private RedisServer(int port, string? password)
    {
        Port = port;
        _password = password;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis connection string (with the password, if any).</summary>
    public string Connection => $"127.0.0.1:{Port}" + (_password is null ? "" : $",password={_password}");

    /// <summary>Starts a server; with <paramref name="password"/>, clients must AUTH (requirepass).</summary>
    public static RedisServer Start(string? password = null)
    {
        var server = new RedisServer(FreePort(), password);
        server.Launch();
        return server;
    }

    private void Launch()
    {
        var start = new ProcessStartInfo("redis-server")
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir,
        };
        foreach (string a in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _dir })
            start.ArgumentList.Add(a);
        if (_password is not null)
        {
            start.ArgumentList.Add("--requirepass");
            start.ArgumentList.Add(_password);
        }
        try
        {
            _process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is not installed (Debian package redis-server; ./build.sh installs it)", e);
        }
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (!Pong())
        {
            if (_process.HasExited) throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}");
            if (clock.Elapsed > TimeSpan.FromSeconds(10)) throw new TimeoutException("redis-server did not answer PING");
            Thread.Sleep(20);
        }
    }

    private bool Pong()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            NetworkStream s = client.GetStream();
            s.Write(Encoding.ASCII.GetBytes(_password is null ? "PING\r\n" : $"AUTH {_password}\r\nPING\r\n"));
            var buffer = new byte[16];
            int n = s.Read(buffer);
            string reply = Encoding.ASCII.GetString(buffer, 0, n);
            if (_password is not null && reply == "+OK\r\n") reply = Encoding.ASCII.GetString(buffer, 0, s.Read(buffer));
            return reply.Contains("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>kill -9: no shutdown, all data gone.</summary>
    public void Kill()
    {
        _process!.Kill();
        _process.WaitForExit();
        _process.Dispose();
        _process = null;
    }

    /// <summary>A fresh, empty server on the same port.</summary>
    public void Restart() => Launch();

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose()
    {
        if (_process is { HasExited: false }) Kill();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException) { }
    }
}
