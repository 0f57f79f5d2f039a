using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace PlasmaSharp.Hosting.Tests;

public class HostedStoreTests
{
    /// <summary>An application service that uses the store in its StartAsync and in its StopAsync.</summary>
    private sealed class AppService(PlasmaClientPool pool) : IHostedService
    {
        public readonly List<string> Log = [];

        public Task StartAsync(CancellationToken cancellationToken) => Use("start");
        public Task StopAsync(CancellationToken cancellationToken) => Use("stop");

        private Task Use(string phase)
        {
            var id = ObjectId.NewRandom();
            pool.Run(client =>
            {
                client.Put(id, "hello"u8);
                using var got = client.Get(id, TimeSpan.FromSeconds(5));
                return got!.DataLength;
            });
            Log.Add(phase);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task The_store_is_up_before_the_applications_services_start_and_stops_after_they_stop()
    {
        var builder = TestHosts.StoreAndClient();
        builder.Services.AddSingleton<AppService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AppService>());
        using IHost host = builder.Build();
        await host.StartAsync();
        var store = host.Services.GetRequiredService<PlasmaStoreService>();
        string socket = store.SocketPath;
        Assert.True(store.Store!.IsRunning);
        Assert.Equal(TestHosts.Capacity, store.Store.Capacity);
        await host.StopAsync();

        Assert.Equal(["start", "stop"], host.Services.GetRequiredService<AppService>().Log);
        Assert.Null(store.Store);
        Assert.Throws<PlasmaConnectionException>(() => PlasmaClient.Connect(socket, new PlasmaClientOptions { ConnectAttempts = 1 }));
    }

    [Fact]
    public async Task Options_come_from_the_Plasma_section_and_configure_overrides_them()
    {
        string dir = TestHosts.TempFolder();
        string socket = Path.Combine(dir, "configured.sock");
        var builder = TestHosts.Builder(("Plasma:Store:Capacity", "1000"), ("Plasma:Store:SocketPath", socket),
                                        ("Plasma:Client:PoolSize", "3"), ("Plasma:Client:ClientName", "from-config"));
        builder.Services.AddPlasmaStore(o => o.Capacity = 32L << 20);
        builder.Services.AddPlasmaClient();
        using IHost host = builder.Build();
        await host.StartAsync();
        try
        {
            var pool = host.Services.GetRequiredService<PlasmaClientPool>();
            Assert.Equal(socket, pool.SocketPath);
            Assert.Equal(3, pool.Size);
            Assert.Equal(32L << 20, pool.Run(c => c.Capacity));
        }
        finally
        {
            await host.StopAsync();
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task Invalid_options_stop_the_start_with_messages_naming_the_keys()
    {
        var builder = TestHosts.Builder(("Plasma:Store:Capacity", "0"), ("Plasma:Store:Directory", "/no/such/dir"),
                                        ("Plasma:Client:PoolSize", "0"));
        builder.Services.AddPlasmaStore();
        builder.Services.AddPlasmaClient();
        using IHost host = builder.Build();
        var e = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        string message = e is AggregateException a ? string.Join("\n", a.InnerExceptions.Select(x => x.Message)) : e.Message;
        Assert.Contains("Plasma:Store:Capacity must be the store's size in bytes, greater than 0", message);
        Assert.Contains("Plasma:Store:Directory '/no/such/dir' does not exist", message);
        Assert.Contains("Plasma:Client:PoolSize must be between 1 and 1024; it is 0", message);
        Assert.Null(host.Services.GetRequiredService<PlasmaStoreService>().Store); // nothing was started
    }

    [Fact]
    public async Task A_client_without_a_socket_or_a_hosted_store_is_refused_at_start()
    {
        var builder = TestHosts.Builder();
        builder.Services.AddPlasmaClient();
        using IHost host = builder.Build();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Plasma:Client:SocketPath is not set and no store is hosted", e.Message);
    }

    [Fact]
    public async Task The_pool_never_opens_more_connections_than_its_size_and_times_out_when_all_are_rented()
    {
        // The timeout is long enough for the contended phase below on a loaded 2-core machine:
        // SemaphoreSlim's synchronous waiters are not served in order, so one of eight threads can
        // lose the race for a connection many times in a row, and 200 ms left little room for that.
        var builder = TestHosts.StoreAndClient(("Plasma:Client:PoolSize", "2"), ("Plasma:Client:RentTimeout", "00:00:02"));
        using IHost host = builder.Build();
        await host.StartAsync();
        var pool = host.Services.GetRequiredService<PlasmaClientPool>();
        var payload = new byte[4096];
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 200; i++)
            {
                var id = ObjectId.NewRandom();
                pool.Run(c => { c.Put(id, payload); return c.Delete(id); });
            }
        })));
        Assert.InRange(pool.OpenConnections, 1, 2);

        using (pool.Rent())
        using (pool.Rent())
        {
            Assert.Equal(2, pool.OpenConnections);
            var e = Assert.Throws<TimeoutException>(() => pool.Rent());
            Assert.Contains("Plasma:Client:PoolSize", e.Message);
        }
        using (PlasmaClientLease lease = await pool.RentAsync()) Assert.True(lease.Client.Contains(ObjectId.NewRandom()) is false);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_prefaulted_store_starts_empty_and_fully_usable()
    {
        var builder = TestHosts.StoreAndClient(("Plasma:Store:Prefault", "true"));
        using IHost host = builder.Build();
        await host.StartAsync();
        var pool = host.Services.GetRequiredService<PlasmaClientPool>();
        PlasmaStoreStats stats = pool.Run(c => c.GetStoreStats());
        Assert.Equal(0, stats.Objects);
        Assert.Equal(0, stats.BytesUsed);
        var big = new byte[(int)(TestHosts.Capacity * 9 / 10)];
        pool.Run(c => { c.Put(ObjectId.NewRandom(), big); return 0; });
        await host.StopAsync();
    }
}
