using System.Diagnostics;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>A store sealing small objects as fast as it can: the batched publisher keeps up.</summary>
[Collection(ClusterSuite.Name)]
public sealed class BurstTests(Xunit.Abstractions.ITestOutputHelper output) : ClusterTestBase
{
    [Fact]
    public async Task One_hundred_thousand_small_objects_sealed_in_a_burst_are_all_in_the_table()
    {
        const int Count = 100_000;
        NodeProcess node = NodeProcess.StartWithStore(Redis.Connection, "burst", TempDir, memory: "512M");
        Nodes.Add(node);
        await node.WaitRegisteredAsync();
        using var client = PlasmaClient.Connect(node.StoreSocket!);
        ObjectId[] ids = Enumerable.Range(0, Count).Select(_ => ObjectId.NewRandom()).ToArray();
        byte[] data = new byte[16];
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Count; i += 1000)
            client.PutBatch(ids[i..(i + 1000)].Select(id => new PlasmaPutItem(id, data)).ToArray());
        TimeSpan sealedIn = clock.Elapsed;

        // Count them in Redis: the node's index and each object's own key.
        StackExchange.Redis.IDatabase db = (await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(Redis.Connection)).GetDatabase();
        await WaitUntilAsync(async () => await db.HashLengthAsync(ClusterKeys.NodeObjects("burst")) == Count,
            TimeSpan.FromSeconds(60), $"{Count} objects in the node's index");
        TimeSpan publishedIn = clock.Elapsed;
        Assert.Equal(Count, await Cluster.ListAsync().CountAsync());
        var batch = db.CreateBatch();
        var checks = ids.Select(id => batch.HashExistsAsync(ClusterKeys.Object(id), "burst")).ToArray();
        batch.Execute();
        Assert.Equal(Count, (await Task.WhenAll(checks)).Count(x => x));
        output.WriteLine($"sealed {Count} in {sealedIn.TotalSeconds:F2} s, all in the table after {publishedIn.TotalSeconds:F2} s " +
                         $"({Count / publishedIn.TotalSeconds:F0} objects/s end to end)");
        // The node table's count follows with the next heartbeat.
        await WaitUntilAsync(async () => (await Cluster.NodesAsync()).Single().ObjectCount == Count, TimeSpan.FromSeconds(5), "count in the node table");
    }
}
