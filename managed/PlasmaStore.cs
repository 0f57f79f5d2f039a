using System.Diagnostics;
using System.Text;
using PlasmaSharp.Interop;

namespace PlasmaSharp;

/// <summary>Options for <see cref="PlasmaStore.StartAsync"/> and <see cref="PlasmaStore.StartInProcess"/>.</summary>
public sealed class PlasmaStoreOptions
{
    /// <summary>Socket path to listen on; null = a fresh temporary folder (removed on stop).</summary>
    public string? SocketPath { get; set; }

    /// <summary>Folder for the shared-memory files (the store's -d); null = /dev/shm.</summary>
    public string? Directory { get; set; }

    /// <summary>The plasma-store executable; null = the bundled one (next to the native library:
    /// runtimes/linux-x64/native/plasma-store, the assembly folder, or $PLASMASHARP_NATIVE_DIR).</summary>
    public string? ExecutablePath { get; set; }

    /// <summary>Populate the whole shared-memory segment right after start, on a background thread of
    /// the store (<c>--prefault</c>): the store accepts connections at once, and once the populate is
    /// done the first puts no longer pay for allocating and zeroing pages. Commits the whole capacity
    /// of memory. Child-process stores only (<see cref="PlasmaStore.StartAsync"/>). Default false.</summary>
    public bool Prefault { get; set; }

    /// <summary>Where eviction spills objects instead of dropping them, the store's <c>-e URL</c>:
    /// <c>file:///var/tmp/plasma-spill</c> (files; a later Get restores them) or <c>hashtable://NAME</c>
    /// (in-process memory, Arrow 11's test backend); null = evicted objects are gone. Child-process
    /// stores only (<see cref="PlasmaStore.StartAsync"/>).</summary>
    public string? ExternalStore { get; set; }

    /// <summary>With a <c>file://</c> <see cref="ExternalStore"/>: spilled objects survive a restart
    /// of the store (<c>--spill-keep</c>; re-indexed and checked at start). Default false: the folder's
    /// spill files are removed at start and stop.</summary>
    public bool SpillKeep { get; set; }

    /// <summary>At most this many bytes spilled (<c>--spill-limit</c>); past it eviction drops objects.
    /// Null = no limit.</summary>
    public long? SpillLimit { get; set; }

    /// <summary>The store stops by itself when this process exits, even when it is killed (our store's
    /// <c>--exit-with-parent</c>), so a crashed program does not leave a store holding its memory.
    /// Default true; false for an executable that does not know the flag (Arrow's plasma-store-server)
    /// or a store meant to outlive this process.</summary>
    public bool StopWithThisProcess { get; set; } = true;

    /// <summary>How long to wait for the store to accept connections. Default 10 s.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long <see cref="PlasmaStore.StopAsync"/> waits after SIGTERM before killing. Default 5 s.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>A Plasma store started from .NET: the bundled <c>plasma-store</c> executable as a child
/// process (<see cref="StartAsync"/>) or a store on a thread of this process (<see cref="StartInProcess"/>).
/// Dispose (or <see cref="StopAsync"/>) stops it and removes the temporary folder it created.</summary>
public sealed class PlasmaStore : IAsyncDisposable, IDisposable
{
    /// <summary>File name of the bundled store executable.</summary>
    public const string ExecutableName = "plasma-store";

    private readonly Process? _process;
    private readonly StoreHandle? _inProcess;
    private readonly string? _tempDirectory;
    private readonly TimeSpan _stopTimeout;
    private readonly StringBuilder _output = new();
    private int _stopped;

    private PlasmaStore(string socketPath, long capacity, Process? process, StoreHandle? inProcess,
                        string? tempDirectory, TimeSpan stopTimeout)
    {
        SocketPath = socketPath;
        Capacity = capacity;
        _process = process;
        _inProcess = inProcess;
        _tempDirectory = tempDirectory;
        _stopTimeout = stopTimeout;
    }

    /// <summary>The Unix socket clients connect to.</summary>
    public string SocketPath { get; }

    /// <summary>The capacity the store was started with, in bytes.</summary>
    public long Capacity { get; }

    /// <summary>The child process id; null for an in-process store.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>True while the store process is running (always true for a started in-process store until stopped).</summary>
    public bool IsRunning => _stopped == 0 && (_process is null || !_process.HasExited);

    /// <summary>What the store process printed so far (stdout and stderr), for diagnostics.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Starts <c>plasma-store -m capacity -s socket [-d directory] [--prefault]</c> as a child process and
    /// returns once it accepts connections.</summary>
    /// <param name="capacity">Bytes of shared memory the store may use.</param>
    /// <param name="options">Socket path, directory, executable (null = defaults).</param>
    /// <param name="cancellationToken">Cancels the start (the process is killed).</param>
    /// <exception cref="FileNotFoundException">No plasma-store executable was found.</exception>
    /// <exception cref="PlasmaException">The store exited or did not accept connections in time.</exception>
    public static async Task<PlasmaStore> StartAsync(long capacity, PlasmaStoreOptions? options = null,
                                                     CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        options ??= new PlasmaStoreOptions();
        string executable = options.ExecutablePath ?? FindExecutable();
        EnsureExecutable(executable);
        (string socketPath, string? tempDir) = ChooseSocket(options);

        var startInfo = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add("-m");
        startInfo.ArgumentList.Add(capacity.ToString(System.Globalization.CultureInfo.InvariantCulture));
        startInfo.ArgumentList.Add("-s");
        startInfo.ArgumentList.Add(socketPath);
        if (options.Directory is not null)
        {
            startInfo.ArgumentList.Add("-d");
            startInfo.ArgumentList.Add(options.Directory);
        }
        if (options.Prefault) startInfo.ArgumentList.Add("--prefault");
        // With this process's id: the store also stops if this process dies before the store starts.
        if (options.StopWithThisProcess)
            startInfo.ArgumentList.Add("--exit-with-parent=" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (options.ExternalStore is not null)
        {
            startInfo.ArgumentList.Add("-e");
            startInfo.ArgumentList.Add(options.ExternalStore);
        }
        if (options.SpillKeep) startInfo.ArgumentList.Add("--spill-keep");
        if (options.SpillLimit is { } limit)
        {
            startInfo.ArgumentList.Add("--spill-limit");
            startInfo.ArgumentList.Add(limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var process = new Process { StartInfo = startInfo };
        PlasmaStore? store = null;
        try
        {
            process.Start();
            store = new PlasmaStore(socketPath, capacity, process, null, tempDir, options.StopTimeout);
            process.OutputDataReceived += store.OnOutput;
            process.ErrorDataReceived += store.OnOutput;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await store.WaitUntilAcceptingAsync(options.StartTimeout, cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            if (store is not null) await store.StopAsync().ConfigureAwait(false);
            else
            {
                process.Dispose();
                DeleteTempDirectory(tempDir);
            }
            throw;
        }
    }

    /// <summary>Starts a store on its own thread inside this process (via the native library) and
    /// returns once it accepts connections.</summary>
    /// <param name="capacity">Bytes of shared memory the store may use.</param>
    /// <param name="options">Socket path and directory (null = defaults; the executable is not used).</param>
    public static PlasmaStore StartInProcess(long capacity, PlasmaStoreOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        options ??= new PlasmaStoreOptions();
        if (options.Prefault)
            throw new ArgumentException("Prefault needs the store executable: use StartAsync for a prefaulted store.", nameof(options));
        if (options.ExternalStore is not null || options.SpillKeep || options.SpillLimit is not null)
            throw new ArgumentException("ExternalStore, SpillKeep and SpillLimit need the store executable: use StartAsync for a spilling store.", nameof(options));
        (string socketPath, string? tempDir) = ChooseSocket(options);
        try
        {
            StoreHandle handle = NativeProxy.ps_store_start(socketPath, capacity, options.Directory);
            return new PlasmaStore(socketPath, capacity, null, handle, tempDir, options.StopTimeout);
        }
        catch
        {
            DeleteTempDirectory(tempDir);
            throw;
        }
    }

    private void OnOutput(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is null) return;
        lock (_output) _output.AppendLine(e.Data);
    }

    private async Task WaitUntilAcceptingAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process!.HasExited)
                throw new PlasmaException(PlasmaErrorCode.IoError,
                    $"plasma-store exited with code {_process.ExitCode} during start-up; its output was:\n{Output}");
            if (File.Exists(SocketPath))
            {
                try
                {
                    using var probe = PlasmaClient.Connect(SocketPath, new PlasmaClientOptions { ConnectAttempts = 1 });
                    return;
                }
                catch (PlasmaConnectionException) { }
            }
            if (clock.Elapsed > timeout)
                throw new PlasmaException(PlasmaErrorCode.Timeout,
                    $"plasma-store did not accept connections on {SocketPath} within {timeout.TotalSeconds:0.#} s; its output was:\n{Output}");
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    private static (string SocketPath, string? TempDirectory) ChooseSocket(PlasmaStoreOptions options)
    {
        if (options.SocketPath is not null) return (options.SocketPath, null);
        // Unix socket paths are limited to 107 bytes: keep the folder short and under /tmp.
        string dir = System.IO.Directory.CreateTempSubdirectory("plasma-").FullName;
        return (Path.Combine(dir, "store.sock"), dir);
    }

    /// <summary>Finds the bundled plasma-store: beside the loaded native library, under
    /// runtimes/&lt;rid&gt;/native next to this assembly, the assembly folder, or $PLASMASHARP_NATIVE_DIR.</summary>
    /// <exception cref="FileNotFoundException">None of these holds one.</exception>
    public static string FindExecutable()
    {
        var searched = new List<string>();
        IEnumerable<string> dirs = NativeLibraryResolver.CandidateDirectories();
        if (NativeLibraryResolver.LoadedFromDirectory is { } loaded) dirs = dirs.Prepend(loaded);
        foreach (string dir in dirs)
        {
            string candidate = Path.Combine(dir, ExecutableName);
            searched.Add(candidate);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException(
            $"No {ExecutableName} executable found (looked at: {string.Join(", ", searched)}). Build the native project, set " +
            $"{NativeLibraryResolver.NativeDirVariable}, or pass PlasmaStoreOptions.ExecutablePath.", ExecutableName);
    }

    // NuGet extraction and some copy steps drop the execute bit; put it back if we may.
    private static void EnsureExecutable(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        UnixFileMode mode = File.GetUnixFileMode(path);
        const UnixFileMode exec = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if ((mode & UnixFileMode.UserExecute) != 0) return;
        try
        {
            File.SetUnixFileMode(path, mode | exec);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new PlasmaException(PlasmaErrorCode.IoError,
                $"{path} is not executable and its mode cannot be changed; run chmod +x on it.", e);
        }
    }

    /// <summary>Stops the store: SIGTERM, then a kill if it has not exited within the stop timeout;
    /// removes the temporary socket folder. Clients see their connections close.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        if (_inProcess is not null)
        {
            _inProcess.Dispose();
        }
        else if (_process is not null)
        {
            try
            {
                if (!_process.HasExited)
                {
                    if (!TrySendTerminate(_process.Id)) _process.Kill(entireProcessTree: true);
                    using var cts = new CancellationTokenSource(_stopTimeout);
                    try
                    {
                        await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        _process.Kill(entireProcessTree: true);
                        await _process.WaitForExitAsync().ConfigureAwait(false);
                    }
                }
            }
            catch (InvalidOperationException) { } // already gone
            finally
            {
                _process.Dispose();
            }
        }
        DeleteTempDirectory(_tempDirectory);
    }

    // SIGTERM lets the store shut down in order (unlink its socket, free segments).
    private static bool TrySendTerminate(int pid)
    {
        try
        {
            return LibC.kill(pid, LibC.SIGTERM) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // no libc by that name (unusual platform): fall back to a kill
        }
    }

    private static void DeleteTempDirectory(string? dir)
    {
        if (dir is null) return;
        try
        {
            System.IO.Directory.Delete(dir, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Same as <see cref="StopAsync"/>.</summary>
    public ValueTask DisposeAsync() => new(StopAsync());

    /// <summary>Same as <see cref="StopAsync"/>, blocking.</summary>
    public void Dispose() => StopAsync().GetAwaiter().GetResult();
}
