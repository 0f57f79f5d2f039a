using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PlasmaSharp.Hosting;

/// <summary>Adds the host's store (the client pool's socket, else the hosted store's) to the store
/// gauges once every hosted service has started, and removes it when the host begins to stop.</summary>
internal sealed class PlasmaStoreMetricsService(IServiceProvider services, ILogger<PlasmaStoreMetricsService> logger)
    : IHostedLifecycleService, IDisposable
{
    private StoreStatsSource? _source;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        string? socket = (services.GetService(typeof(PlasmaClientPool)) as PlasmaClientPool)?.SocketPath
                         ?? (services.GetService(typeof(PlasmaStoreService)) as PlasmaStoreService)?.SocketPath;
        if (socket is null) return Task.CompletedTask;
        _source = new StoreStatsSource(socket, logger);
        PlasmaStoreMetrics.Add(_source);
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        StoreStatsSource? source = Interlocked.Exchange(ref _source, null);
        if (source is null) return;
        PlasmaStoreMetrics.Remove(source);
        source.Dispose();
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
