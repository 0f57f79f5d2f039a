using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace PlasmaSharp.Hosting;

/// <summary>The store gauges on <see cref="PlasmaTelemetry.Meter"/>, observed from the stats of every
/// store a host watches (<see cref="PlasmaStoreMetricsService"/>), each tagged with its socket as
/// <c>server.address</c>. The instruments exist once per process (the meter is static); hosts add
/// and remove their store.</summary>
internal static class PlasmaStoreMetrics
{
    private static readonly List<StoreStatsSource> s_sources = [];

    static PlasmaStoreMetrics()
    {
        Meter meter = PlasmaTelemetry.Meter;
        meter.CreateObservableUpDownCounter(PlasmaTelemetry.StoreObjects,
            () => Observe(s => s.Objects), "{object}", "Objects in the Plasma store (sealed and unsealed).");
        meter.CreateObservableUpDownCounter(PlasmaTelemetry.StoreMemoryUsage,
            () => Observe(s => s.BytesUsed), "By", "Bytes the Plasma store has allocated to objects.");
        meter.CreateObservableUpDownCounter(PlasmaTelemetry.StoreMemoryLimit,
            () => Observe(s => s.Capacity), "By", "The Plasma store's capacity.");
        meter.CreateObservableCounter(PlasmaTelemetry.StoreEvictions,
            () => Observe(s => s.Evictions), "{object}", "Objects the Plasma store evicted since it started.");
    }

    public static void Add(StoreStatsSource source)
    {
        lock (s_sources) s_sources.Add(source);
    }

    public static void Remove(StoreStatsSource source)
    {
        lock (s_sources) s_sources.Remove(source);
    }

    private static IEnumerable<Measurement<long>> Observe(Func<PlasmaStoreStats, long?> value)
    {
        StoreStatsSource[] sources;
        lock (s_sources) sources = [.. s_sources];
        var measurements = new List<Measurement<long>>(sources.Length);
        foreach (StoreStatsSource source in sources)
        {
            if (source.Read() is not { } stats || value(stats) is not { } v) continue;
            measurements.Add(new Measurement<long>(v, new KeyValuePair<string, object?>(PlasmaTelemetry.ServerAddressAttribute, source.SocketPath)));
        }
        return measurements;
    }
}

/// <summary>One store's stats for the gauges: read through a connection of its own (so a Get
/// waiting on an application connection never delays a collection), at most once per
/// <see cref="MaxAge"/> (one collection reads four instruments), reconnecting after a failure.</summary>
internal sealed class StoreStatsSource(string socketPath, ILogger logger) : IDisposable
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    private readonly Lock _lock = new();
    private PlasmaClient? _client;
    private PlasmaStoreStats? _last;
    private long _readAt;
    private bool _failing;

    public string SocketPath { get; } = socketPath;

    /// <summary>Fresh enough stats, or null while the store cannot be reached.</summary>
    public PlasmaStoreStats? Read()
    {
        lock (_lock)
        {
            if (_last is not null && Stopwatch.GetElapsedTime(_readAt) < MaxAge) return _last;
            try
            {
                _client ??= PlasmaClient.Connect(SocketPath, new PlasmaClientOptions { ConnectAttempts = 1, ClientName = "plasmasharp-metrics" });
                _last = _client.GetStoreStats();
                _readAt = Stopwatch.GetTimestamp();
                if (_failing) logger.LogInformation("Plasma store metrics: {SocketPath} answers again", SocketPath);
                _failing = false;
                return _last;
            }
            catch (PlasmaException e)
            {
                if (!_failing) logger.LogWarning(e, "Plasma store metrics: cannot read the stats of {SocketPath}; its gauges are left out until it answers", SocketPath);
                _failing = true;
                _client?.Dispose();
                _client = null;
                _last = null;
                return null;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _client?.Dispose();
            _client = null;
        }
    }
}
