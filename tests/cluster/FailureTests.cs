namespace PlasmaSharp.Cluster.Tests;

/// <summary>Nodes and Redis dying: the table forgets dead nodes and heals after Redis comes back.</summary>
[Collection(ClusterSuite.Name)]
public sealed class FailureTests : ClusterTestBase
{
    [Fact]
    public async Task A_killed_node_is_invisible_after_its_ttl_and_its_entries_are_removed()
    {
        // The store belongs to the test, so kill -9 of the node leaves no orphan behind.
        PlasmaStore store = await PlasmaStore.StartAsync(16L << 20);
        Stores.Add(store);
        NodeProcess victim = NodeProcess.Attach(Redis.Connection, "victim", store.SocketPath);
        Nodes.Add(victim);
        NodeProcess[] survivors = await StartNodesAsync("survivor");
        await victim.WaitRegisteredAsync();
        using var client = PlasmaClient.Connect(store.SocketPath);
        var id = ObjectId.NewRandom();
        client.Put(id, new byte[64]);
        await WaitUntilAsync(() => IsOnAsync(id, "victim"), TimeSpan.FromSeconds(5), "object on victim");

        victim.Kill9();
        var killedAt = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan gone = await WaitUntilAsync(() => IsOnAsync(id), TimeSpan.FromSeconds(6), "killed node's object invisible");
        Assert.True(killedAt.Elapsed > TimeSpan.FromSeconds(0.5), "the TTL (2 s) cannot have passed that fast");
        Assert.DoesNotContain("victim", (await Cluster.NodesAsync()).Select(n => n.Id));
        Assert.Contains("survivor", (await Cluster.NodesAsync()).Select(n => n.Id));

        // Lazily removed by whoever noticed (this reader or the survivor's heartbeat): no keys left behind.
        StackExchange.Redis.IDatabase db = (await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(Redis.Connection)).GetDatabase();
        await WaitUntilAsync(async () => !await db.SetContainsAsync(ClusterKeys.Nodes, "victim")
                                         && !await db.KeyExistsAsync(ClusterKeys.Object(id))
                                         && !await db.KeyExistsAsync(ClusterKeys.NodeObjects("victim")),
            TimeSpan.FromSeconds(5), "dead node's keys removed");
        Assert.False(survivors[0].HasExited);
    }

    [Fact]
    public async Task A_node_stopped_with_sigterm_unregisters_at_once()
    {
        NodeProcess[] nodes = await StartNodesAsync("leaving");
        using (var client = PlasmaClient.Connect(nodes[0].StoreSocket!))
        {
            var id = ObjectId.NewRandom();
            client.Put(id, new byte[64]);
            await WaitUntilAsync(() => IsOnAsync(id, "leaving"), TimeSpan.FromSeconds(5), "object on node");
        }
        Assert.Equal(0, await nodes[0].TerminateAsync());
        Assert.Contains("left the cluster", nodes[0].Output);
        Assert.Empty(await Cluster.NodesAsync());
        Assert.Empty(await Cluster.ListAsync().ToListAsync());
        Assert.False(File.Exists(nodes[0].StoreSocket), "the bundled store stops with its node");
    }

    [Fact]
    public async Task After_redis_is_killed_and_restarted_the_table_is_whole_again()
    {
        NodeProcess[] nodes = await StartNodesAsync("r1", "r2");
        using var c1 = PlasmaClient.Connect(nodes[0].StoreSocket!);
        using var c2 = PlasmaClient.Connect(nodes[1].StoreSocket!);
        ObjectId[] before = Enumerable.Range(0, 50).Select(_ => ObjectId.NewRandom()).ToArray();
        foreach (ObjectId id in before[..25]) c1.Put(id, new byte[32]);
        foreach (ObjectId id in before[25..]) c2.Put(id, new byte[32]);
        await WaitUntilAsync(async () => await Cluster.ListAsync().CountAsync() == 50, TimeSpan.FromSeconds(5), "50 objects published");

        Redis.Kill();
        // While Redis is down the stores keep working: seal some, delete some.
        var during = ObjectId.NewRandom();
        c1.Put(during, new byte[32]);
        c2.Delete(before[30]);
        await Task.Delay(500);
        Assert.False(nodes[0].HasExited);
        Redis.Restart();

        HashSet<string> expected = before.Where(id => id != before[30]).Append(during).Select(id => id.ToString()).ToHashSet();
        await WaitUntilAsync(async () =>
        {
            try
            {
                var listed = await Cluster.ListAsync().Select(l => l.Id.ToString()).ToListAsync();
                return listed.Count == expected.Count && listed.ToHashSet().SetEquals(expected);
            }
            catch (StackExchange.Redis.RedisException)
            {
                return false; // the reader's own connection is reconnecting too
            }
        }, TimeSpan.FromSeconds(20), "table whole again");
        Assert.True(await IsOnAsync(during, "r1"));
        Assert.True(await IsOnAsync(before[0], "r1"));
        Assert.True(await IsOnAsync(before[49], "r2"));
        Assert.Contains("Redis unreachable", nodes[0].Output);
    }
}
