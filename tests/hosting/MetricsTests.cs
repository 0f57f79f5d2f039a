using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace PlasmaSharp.Hosting.Tests;

/// <summary>The PlasmaSharp meter exported through OpenTelemetry's in-memory exporter, as an
/// application would wire it (AddOpenTelemetry().WithMetrics(m => m.AddMeter("PlasmaSharp"))).
/// Other tests run in parallel on the same static meter: every assertion filters on this test's
/// socket (server.address).</summary>
public class MetricsTests
{
    private static IEnumerable<(MetricPoint Point, Dictionary<string, object?> Tags)> Points(IEnumerable<Metric> metrics, string name, string socket)
    {
        foreach (Metric metric in metrics.Where(m => m.Name == name))
            foreach (ref readonly MetricPoint point in metric.GetMetricPoints())
            {
                var tags = new Dictionary<string, object?>();
                foreach (KeyValuePair<string, object?> tag in point.Tags) tags[tag.Key] = tag.Value;
                if (Equals(tags.GetValueOrDefault(PlasmaTelemetry.ServerAddressAttribute), socket)) yield return (point, tags);
            }
    }

    // A started host with a store, a client pool and the PlasmaSharp meter exported into `exported`.
    private static async Task<IHost> StartExportingAsync(List<Metric> exported)
    {
        var builder = TestHosts.StoreAndClient();
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(PlasmaTelemetry.MeterName).AddInMemoryExporter(exported));
        IHost host = builder.Build();
        await host.StartAsync();
        return host;
    }

    [Fact]
    public async Task Client_operations_and_store_gauges_reach_the_in_memory_exporter()
    {
        var exported = new List<Metric>();
        using IHost host = await StartExportingAsync(exported);
        var pool = host.Services.GetRequiredService<PlasmaClientPool>();
        string socket = pool.SocketPath;
        var id = ObjectId.NewRandom();
        var data = new byte[10_000];
        pool.Run(c =>
        {
            c.Put(id, data);
            Assert.Throws<ObjectExistsException>(() => c.Put(id, data));
            using (c.Get(id, TimeSpan.FromSeconds(5))) { }
            Assert.Null(c.Get(ObjectId.NewRandom(), TimeSpan.Zero));
            return c.Contains(id);
        });

        host.Services.GetRequiredService<MeterProvider>().ForceFlush();

        var durations = Points(exported, PlasmaTelemetry.ClientOperationDuration, socket).ToList();
        Assert.Equal("s", exported.First(m => m.Name == PlasmaTelemetry.ClientOperationDuration).Unit);
        long Count(string op, string? error) => durations
            .Where(p => Equals(p.Tags[PlasmaTelemetry.OperationAttribute], op) && Equals(p.Tags.GetValueOrDefault(PlasmaTelemetry.ErrorTypeAttribute), error))
            .Sum(p => p.Point.GetHistogramCount());
        Assert.Equal(1, Count("put", null));
        Assert.Equal(1, Count("put", typeof(ObjectExistsException).FullName));
        Assert.Equal(2, Count("get", null)); // the missing object is a null result, not an error
        Assert.Equal(1, Count("contains", null));
        Assert.All(durations, p => Assert.True(p.Point.GetHistogramSum() > 0));

        var io = Points(exported, PlasmaTelemetry.ClientIo, socket).ToList();
        Assert.Equal("By", exported.First(m => m.Name == PlasmaTelemetry.ClientIo).Unit);
        Assert.Equal(data.Length, io.Where(p => Equals(p.Tags[PlasmaTelemetry.IoDirectionAttribute], "write")).Sum(p => p.Point.GetSumLong()));
        Assert.Equal(data.Length, io.Where(p => Equals(p.Tags[PlasmaTelemetry.IoDirectionAttribute], "read")).Sum(p => p.Point.GetSumLong()));

        long Gauge(string name) => Assert.Single(Points(exported, name, socket)).Point.GetSumLong();
        Assert.Equal(1, Gauge(PlasmaTelemetry.StoreObjects));
        Assert.InRange(Gauge(PlasmaTelemetry.StoreMemoryUsage), data.Length, data.Length + 4096);
        Assert.Equal(TestHosts.Capacity, Gauge(PlasmaTelemetry.StoreMemoryLimit));
        Assert.Equal(0, Gauge(PlasmaTelemetry.StoreEvictions));
        Assert.True(Gauge(PlasmaTelemetry.ClientConnections) >= 1);
        await host.StopAsync();
    }

    [Fact]
    public async Task Evictions_are_counted_from_the_stores_stats()
    {
        var exported = new List<Metric>();
        using IHost host = await StartExportingAsync(exported);
        var pool = host.Services.GetRequiredService<PlasmaClientPool>();
        var chunk = new byte[TestHosts.Capacity / 4];
        pool.Run(c =>
        {
            for (int i = 0; i < 8; i++) c.Put(ObjectId.NewRandom(), chunk); // twice the capacity: the oldest go
            return 0;
        });
        host.Services.GetRequiredService<MeterProvider>().ForceFlush();
        long evictions = Assert.Single(Points(exported, PlasmaTelemetry.StoreEvictions, pool.SocketPath)).Point.GetSumLong();
        Assert.InRange(evictions, 4, 8);
        await host.StopAsync();
    }
}
