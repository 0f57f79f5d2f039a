using System.Net;
using PlasmaSharp.Cli;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>/healthz, /metrics, the listen address, and the CLI's errors.</summary>
[Collection(ClusterSuite.Name)]
public sealed class OperationsTests : ClusterTestBase
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Healthz_and_metrics_report_the_store_redis_and_the_published_updates()
    {
        NodeProcess[] nodes = await StartNodesAsync("ops");
        string address = Assert.Single(await Cluster.NodesAsync()).Address;
        Assert.StartsWith("http://127.0.0.1:", address); // --listen defaults to loopback

        using (var client = PlasmaClient.Connect(nodes[0].StoreSocket!))
        {
            for (int i = 0; i < 3; i++) client.Put(ObjectId.NewRandom(), new byte[100]);
        }
        await WaitUntilAsync(async () => await Cluster.ListAsync().CountAsync() == 3, TimeSpan.FromSeconds(5), "3 objects");

        HttpResponseMessage health = await Http.GetAsync(address + "/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("""{"node":"ops","store":"ok","redis":"ok"}""", await health.Content.ReadAsStringAsync());

        string metrics = await Http.GetStringAsync(address + "/metrics");
        Assert.Contains("# TYPE plasmasharp_cluster_table_updates_total counter", metrics);
        Assert.Contains("plasmasharp_cluster_table_updates_total{node=\"ops\"} 3", metrics);
        Assert.Contains("plasmasharp_node_objects{node=\"ops\"} 3", metrics);
        Assert.Contains("plasmasharp_node_store_used_bytes{node=\"ops\"} 300", metrics);
        Assert.Contains($"plasmasharp_node_store_capacity_bytes{{node=\"ops\"}} {64L << 20}", metrics);
        Assert.Contains("plasmasharp_cluster_table_publish_duration_seconds_count{node=\"ops\"}", metrics);

        Redis.Kill();
        HttpResponseMessage down = await Http.GetAsync(address + "/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Contains("\"redis\":\"unreachable\"", await down.Content.ReadAsStringAsync());
        await WaitUntilAsync(async () => (await Http.GetStringAsync(address + "/metrics")).Contains("plasmasharp_cluster_redis_errors_total", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "Redis errors counted");
        Redis.Restart();
    }

    [Fact]
    public void The_cli_reports_usage_errors_and_an_unreachable_redis_with_its_exit_codes()
    {
        Assert.Equal(ExitCodes.Usage, ThreeNodeTests.RunCli("nodes").Code); // no --redis
        Assert.Equal(ExitCodes.Usage, ThreeNodeTests.RunCli("node", "--redis", Redis.Connection).Code); // no store
        Assert.Equal(ExitCodes.Usage, ThreeNodeTests.RunCli("node", "--redis", Redis.Connection, "--store-socket", "/x", "--memory", "1M", "--socket", "/y").Code);
        Assert.Equal(ExitCodes.Usage, ThreeNodeTests.RunCli("node", "--redis", Redis.Connection, "--store-socket", "/x", "--node-id", "bad id").Code);
        Assert.Equal(ExitCodes.Usage, ThreeNodeTests.RunCli("node", "--redis", Redis.Connection, "--store-socket", "/x", "--listen", "example.com").Code);
        var unreachable = ThreeNodeTests.RunCli("ls", "--cluster", "--redis", "127.0.0.1:1,connectTimeout=500");
        Assert.Equal(ExitCodes.RedisUnreachable, unreachable.Code);
        Assert.Contains("cannot reach Redis", unreachable.Error);
        Assert.Equal(ExitCodes.Ok, ThreeNodeTests.RunCli("nodes", "--redis", Redis.Connection).Code);
    }
}
