namespace PlasmaSharp.Cluster.Tests;

/// <summary>A node attached to the real Apache Arrow 11 plasma-store-server publishes the same way
/// (the Subscribe protocol and List are the real store's).</summary>
[Collection(ClusterSuite.Name)]
public sealed class RealStoreTests : ClusterTestBase
{
    [RealStoreFact]
    public async Task A_node_on_the_real_arrow_store_publishes_seals_and_deletes()
    {
        PlasmaStore store = await PlasmaStore.StartAsync(64L << 20, new PlasmaStoreOptions { ExecutablePath = RealStoreFactAttribute.Executable, StopWithThisProcess = false });
        Stores.Add(store);
        using var client = PlasmaClient.Connect(store.SocketPath);
        var early = ObjectId.NewRandom();
        client.Put(early, new byte[10], "M"u8); // sealed before the node starts: published from List

        NodeProcess node = NodeProcess.Attach(Redis.Connection, "arrow11", store.SocketPath);
        Nodes.Add(node);
        await node.WaitRegisteredAsync();
        Assert.Equal(64L << 20, Assert.Single(await Cluster.NodesAsync()).Capacity);
        await WaitUntilAsync(() => IsOnAsync(early, "arrow11"), TimeSpan.FromSeconds(1), "object sealed before the node started");

        var id = ObjectId.NewRandom();
        client.Put(id, new byte[5000], "RAW"u8);
        await WaitUntilAsync(() => IsOnAsync(id, "arrow11"), TimeSpan.FromSeconds(1), "object sealed on the real store");
        ObjectLocation where = Assert.Single(await Cluster.LocateAsync(id));
        Assert.Equal((5000L, 3L), (where.DataSize, where.MetadataSize));
        Assert.Equal(Convert.ToHexStringLower(client.Hash(id)), where.Digest);

        client.Delete(id);
        await WaitUntilAsync(() => IsOnAsync(id), TimeSpan.FromSeconds(1), "deleted object gone");
        Assert.True(await IsOnAsync(early, "arrow11"));
    }
}
