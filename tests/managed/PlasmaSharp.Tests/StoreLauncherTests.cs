namespace PlasmaSharp.Tests;

public class StoreLauncherTests
{
    [Fact]
    public async Task A_child_process_store_accepts_connections_and_stops_cleanly()
    {
        PlasmaStore store = await PlasmaStore.StartAsync(4 << 20);
        string socketDir = Path.GetDirectoryName(store.SocketPath)!;
        Assert.NotNull(store.ProcessId);
        Assert.True(store.IsRunning);
        using (PlasmaClient client = PlasmaClient.Connect(store.SocketPath))
            Assert.Equal(4 << 20, client.Capacity);
        int pid = store.ProcessId!.Value;

        await store.DisposeAsync();
        Assert.False(store.IsRunning);
        Assert.False(Directory.Exists(socketDir)); // the temporary folder is gone
        Assert.Throws<ArgumentException>(() => System.Diagnostics.Process.GetProcessById(pid));
        await store.StopAsync(); // idempotent
    }

    [Fact]
    public async Task A_given_socket_path_and_directory_are_used()
    {
        string dir = Directory.CreateTempSubdirectory("plasma-opt-").FullName;
        try
        {
            string socket = Path.Combine(dir, "s.sock");
            await using PlasmaStore store = await PlasmaStore.StartAsync(1 << 20,
                new PlasmaStoreOptions { SocketPath = socket, Directory = dir });
            Assert.Equal(socket, store.SocketPath);
            using PlasmaClient client = PlasmaClient.Connect(socket);
            client.Put(ObjectId.NewRandom(), "x"u8);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task A_store_that_cannot_start_reports_its_output()
    {
        // A socket path in a folder that does not exist: the store exits at once.
        string socket = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "s.sock");
        var e = await Assert.ThrowsAsync<PlasmaException>(() =>
            PlasmaStore.StartAsync(1 << 20, new PlasmaStoreOptions { SocketPath = socket, StartTimeout = TimeSpan.FromSeconds(5) }));
        Assert.Contains("plasma-store", e.Message);
    }

    [Fact]
    public async Task A_store_that_never_listens_times_out_and_is_killed()
    {
        string dir = Directory.CreateTempSubdirectory("plasma-slow-").FullName;
        try
        {
            string fake = Path.Combine(dir, "never-listens");
            string marker = $"59.{Random.Shared.Next(100000, 999999)}"; // a sleep argument no other process uses
            File.WriteAllText(fake, $"#!/bin/sh\necho starting\nexec sleep {marker}\n");
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var e = await Assert.ThrowsAsync<PlasmaException>(() => PlasmaStore.StartAsync(1 << 20,
                new PlasmaStoreOptions { ExecutablePath = fake, StartTimeout = TimeSpan.FromMilliseconds(300), StopTimeout = TimeSpan.FromSeconds(2) }));
            Assert.Equal(PlasmaErrorCode.Timeout, e.ErrorCode);
            Assert.Contains("did not accept connections", e.Message);
            // The child was stopped: our `sleep` is gone.
            Assert.DoesNotContain(System.Diagnostics.Process.GetProcessesByName("sleep"),
                p => { try { return File.ReadAllText($"/proc/{p.Id}/cmdline").Contains(marker); } catch (IOException) { return false; } });
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task The_execute_bit_is_restored_when_lost()
    {
        string dir = Directory.CreateTempSubdirectory("plasma-exe-").FullName;
        try
        {
            string copy = Path.Combine(dir, PlasmaStore.ExecutableName);
            File.Copy(PlasmaStore.FindExecutable(), copy);
            File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await using PlasmaStore store = await PlasmaStore.StartAsync(1 << 20, new PlasmaStoreOptions { ExecutablePath = copy });
            Assert.True((File.GetUnixFileMode(copy) & UnixFileMode.UserExecute) != 0);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task A_store_stops_when_the_process_that_started_it_is_killed()
    {
        string peerDll = Path.Combine(AppContext.BaseDirectory, "PlasmaSharp.TestPeer.dll");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true };
        start.ArgumentList.Add(peerDll);
        start.ArgumentList.Add("store");
        using System.Diagnostics.Process peer = System.Diagnostics.Process.Start(start)!;
        string? line = await peer.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.NotNull(line);
        string[] words = line!.Split(' ');
        Assert.Equal("STORE", words[0]);
        int storePid = int.Parse(words[1], System.Globalization.CultureInfo.InvariantCulture);
        string socket = words[2];
        using (PlasmaClient client = PlasmaClient.Connect(socket)) Assert.Equal(1 << 20, client.Capacity);

        peer.Kill();  // SIGKILL: the peer cannot stop its store
        await peer.WaitForExitAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!Exited(storePid) && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(50);
        Assert.True(Exited(storePid), $"the store (pid {storePid}) outlived the killed process that started it");
        Assert.False(File.Exists(socket), "the store did not remove its socket");
    }

    // No such process, or a zombie its new parent has not reaped yet.
    private static bool Exited(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return true; }
        return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
    }

    [Fact]
    public async Task An_in_process_store_serves_clients()
    {
        await using PlasmaStore store = PlasmaStore.StartInProcess(2 << 20);
        Assert.Null(store.ProcessId);
        using PlasmaClient client = PlasmaClient.Connect(store.SocketPath);
        Assert.Equal(2 << 20, client.Capacity);
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, "in-process"u8);
        using PlasmaObject obj = client.Get(id, TimeSpan.Zero)!;
        Assert.Equal("in-process"u8.ToArray(), obj.Data.ToArray());
    }

    [Fact]
    public void The_native_library_reports_a_version()
    {
        Assert.Matches(@"^\d+\.\d+\.\d+", PlasmaClient.NativeVersion);
    }
}
