using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PlasmaSharp.Hosting;

/// <summary>The hosted Plasma store (<c>AddPlasmaStore</c>). It starts in <see cref="StartingAsync"/>,
/// before any hosted service's <c>StartAsync</c>, and stops in <see cref="StoppedAsync"/>, after every
/// hosted service's <c>StopAsync</c>: the application's own services can use the store from their
/// start to their stop.</summary>
public sealed class PlasmaStoreService : IHostedLifecycleService, IAsyncDisposable
{
    private readonly IOptions<PlasmaStoreHostOptions> _options;
    private readonly ILogger<PlasmaStoreService> _logger;
    private PlasmaStore? _store;

    /// <summary>Created by dependency injection.</summary>
    public PlasmaStoreService(IOptions<PlasmaStoreHostOptions> options, ILogger<PlasmaStoreService> logger)
    {
        _options = options;
        _logger = logger;
    }

    /// <summary>The running store (null before the host starts and after it stopped).</summary>
    public PlasmaStore? Store => _store;

    /// <summary>The socket clients connect to.</summary>
    /// <exception cref="InvalidOperationException">The store has not started (yet).</exception>
    public string SocketPath => _store?.SocketPath
        ?? throw new InvalidOperationException("The hosted Plasma store is not running: it starts with the host (IHost.StartAsync), before the application's hosted services start.");

    /// <inheritdoc />
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        PlasmaStoreHostOptions o = _options.Value;
        var watch = Stopwatch.StartNew();
        _store = await PlasmaStore.StartAsync(o.Capacity, new PlasmaStoreOptions
        {
            SocketPath = o.SocketPath,
            Directory = o.Directory,
            ExecutablePath = o.ExecutablePath,
            StartTimeout = o.StartTimeout,
            StopTimeout = o.StopTimeout,
            Prefault = o.Prefault,
            StopWithThisProcess = o.StopWithThisProcess,
        }, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Plasma store started in {ElapsedMs} ms: {Capacity} bytes on {SocketPath} (process {ProcessId})",
            watch.ElapsedMilliseconds, o.Capacity, _store.SocketPath, _store.ProcessId);
    }

    /// <inheritdoc />
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        PlasmaStore? store = Interlocked.Exchange(ref _store, null);
        if (store is null) return;
        _logger.LogInformation("Plasma store on {SocketPath} stopping", store.SocketPath);
        await store.StopAsync().ConfigureAwait(false);
        _logger.LogInformation("Plasma store on {SocketPath} stopped", store.SocketPath);
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stops the store if the host never stopped it (a host disposed without StopAsync).</summary>
    public ValueTask DisposeAsync() => new(StoppedAsync(CancellationToken.None));
}
