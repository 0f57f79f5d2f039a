using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace PlasmaSharp.Hosting.Tests;

public class HealthCheckTests
{
    private static async Task<HealthReportEntry> CheckAsync(IHost host)
    {
        HealthReport report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return Assert.Single(report.Entries, e => e.Key == "plasma").Value;
    }

    [Fact]
    public async Task A_running_store_is_healthy_and_degraded_above_the_fill_level()
    {
        // A 10 s timeout: this test is about the fill level, not about a store slowed by a loaded machine.
        var builder = TestHosts.StoreAndClient(("Plasma:Health:DegradedFillRatio", "0.5"), ("Plasma:Health:Timeout", "00:00:10"));
        builder.Services.AddPlasmaHealthChecks();
        using IHost host = builder.Build();
        await host.StartAsync();
        HealthReportEntry healthy = await CheckAsync(host);
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal(TestHosts.Capacity, healthy.Data["capacity_bytes"]);

        var pool = host.Services.GetRequiredService<PlasmaClientPool>();
        pool.Run(c => { c.Put(ObjectId.NewRandom(), new byte[TestHosts.Capacity * 6 / 10]); return 0; });
        HealthReportEntry degraded = await CheckAsync(host);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Contains("above the degraded level of 50", degraded.Description);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_missing_store_is_unhealthy()
    {
        string dir = TestHosts.TempFolder();
        var builder = TestHosts.Builder(("Plasma:Health:SocketPath", Path.Combine(dir, "nobody.sock")));
        builder.Services.AddPlasmaHealthChecks();
        using IHost host = builder.Build();
        await host.StartAsync();
        HealthReportEntry entry = await CheckAsync(host);
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("is unreachable", entry.Description);
        await host.StopAsync();
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task A_store_that_accepts_but_never_answers_is_unhealthy_within_the_timeout()
    {
        string dir = TestHosts.TempFolder();
        string socket = Path.Combine(dir, "silent.sock");
        using var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        silent.Bind(new UnixDomainSocketEndPoint(socket));
        silent.Listen(16); // the kernel completes connections; nobody ever reads or answers
        var builder = TestHosts.Builder(("Plasma:Health:SocketPath", socket), ("Plasma:Health:Timeout", "00:00:00.500"));
        builder.Services.AddPlasmaHealthChecks();
        using IHost host = builder.Build();
        await host.StartAsync();
        var watch = Stopwatch.StartNew();
        HealthReportEntry entry = await CheckAsync(host);
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("did not answer within 500 ms", entry.Description);
        // Bounded (the check gives up), with room for a loaded CI machine above the 500 ms timeout.
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(10));
        await host.StopAsync();
        silent.Close();
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task A_bad_fill_level_is_refused_at_start()
    {
        var builder = TestHosts.StoreAndClient(("Plasma:Health:DegradedFillRatio", "1.5"));
        builder.Services.AddPlasmaHealthChecks();
        using IHost host = builder.Build();
        var e = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.Contains("Plasma:Health:DegradedFillRatio must be a fraction of the capacity", e.ToString());
    }
}
