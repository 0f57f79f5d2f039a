using PlasmaSharp.Cli;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>Three node processes with their own stores on one Redis: what each seals is located from
/// the others within a second, and what goes away leaves the table.</summary>
[Collection(ClusterSuite.Name)]
public sealed class ThreeNodeTests : ClusterTestBase
{
    [Fact]
    public async Task Objects_sealed_on_each_node_are_located_from_the_others_within_a_second()
    {
        NodeProcess[] nodes = await StartNodesAsync("n1", "n2", "n3");
        IReadOnlyList<ClusterNodeInfo> registered = await Cluster.NodesAsync();
        Assert.Equal(["n1", "n2", "n3"], registered.Select(n => n.Id));
        Assert.All(registered, n => Assert.Equal(64L << 20, n.Capacity));
        Assert.All(registered, n => Assert.StartsWith("http://127.0.0.1:", n.Address));

        // Each reader is its own Redis connection, as another node's would be.
        var readers = new List<PlasmaCluster>();
        try
        {
            foreach (NodeProcess node in nodes)
            {
                using var client = PlasmaClient.Connect(node.StoreSocket!);
                var id = ObjectId.NewRandom();
                byte[] data = new byte[1000 + nodes.ToList().IndexOf(node)];
                client.Put(id, data, "RAW"u8);
                foreach (NodeProcess other in nodes.Where(o => o != node))
                {
                    PlasmaCluster reader = PlasmaCluster.Connect(Redis.Connection);
                    readers.Add(reader);
                    TimeSpan took = await WaitUntilAsync(async () => (await reader.LocateAsync(id)).Count == 1, TimeSpan.FromSeconds(1),
                        $"object sealed on {node.Id}, seen by a reader beside {other.Id}");
                    Assert.True(took < TimeSpan.FromSeconds(1));
                }
                ObjectLocation where = Assert.Single(await Cluster.LocateAsync(id));
                Assert.Equal(node.Id, where.NodeId);
                Assert.Equal(data.Length, where.DataSize);
                Assert.Equal(3, where.MetadataSize);
                Assert.Equal(Convert.ToHexStringLower(client.Hash(id)), where.Digest);
            }
        }
        finally
        {
            foreach (PlasmaCluster r in readers) await r.DisposeAsync();
        }
        Assert.Equal(3, await Cluster.ListAsync().CountAsync());
    }

    [Fact]
    public async Task The_cli_lists_the_cluster_and_its_nodes()
    {
        NodeProcess[] nodes = await StartNodesAsync("left", "right");
        using var client = PlasmaClient.Connect(nodes[1].StoreSocket!);
        var id = ObjectId.NewRandom();
        client.Put(id, new byte[4321]);
        await WaitUntilAsync(() => IsOnAsync(id, "right"), TimeSpan.FromSeconds(5), "object on right");

        var (code, output, _) = RunCli("ls", "--cluster", "--redis", Redis.Connection);
        Assert.Equal(ExitCodes.Ok, code);
        string row = Assert.Single(output.Split('\n'), l => l.StartsWith(id.ToString(), StringComparison.Ordinal));
        Assert.Equal([id.ToString(), "right", "4321", "0"], row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..4]);

        // `nodes` shows each node's object count as of its last heartbeat (every TTL/3, here
        // under a second): wait for the heartbeat after the put.
        string[] lines = [];
        await WaitUntilAsync(() =>
        {
            (code, output, _) = RunCli("nodes", "--redis", Redis.Connection);
            lines = output.Split('\n');
            return Task.FromResult(code == ExitCodes.Ok
                && lines.Any(l => l.StartsWith("right ", StringComparison.Ordinal) && l.Contains(" 1 ", StringComparison.Ordinal)));
        }, TimeSpan.FromSeconds(5), "nodes shows right's object");
        Assert.Contains(lines, l => l.StartsWith("left ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deleted_and_evicted_objects_leave_the_table()
    {
        NodeProcess[] nodes = await StartNodesAsync("d1", "d2");
        using var client = PlasmaClient.Connect(nodes[0].StoreSocket!);
        var deleted = ObjectId.NewRandom();
        var evicted = ObjectId.NewRandom();
        var kept = ObjectId.NewRandom();
        client.Put(deleted, new byte[100]);
        client.Put(evicted, new byte[100]);
        client.Put(kept, new byte[100]);
        // The same id on the second node too: deleting it on d1 must leave d2's location.
        using (var second = PlasmaClient.Connect(nodes[1].StoreSocket!)) second.Put(deleted, new byte[100]);
        await WaitUntilAsync(() => IsOnAsync(deleted, "d1", "d2"), TimeSpan.FromSeconds(5), "object on both nodes");
        await WaitUntilAsync(() => IsOnAsync(evicted, "d1"), TimeSpan.FromSeconds(5), "evictable object");

        Assert.Equal(DeleteResult.Deleted, client.Delete(deleted));
        await WaitUntilAsync(() => IsOnAsync(deleted, "d2"), TimeSpan.FromSeconds(1), "deleted object gone from d1 only");

        // Evict everything unused: the store reports the evictions as deletions.
        Assert.True(client.Evict(1L << 30) >= 200);
        await WaitUntilAsync(() => IsOnAsync(evicted), TimeSpan.FromSeconds(1), "evicted object gone");
        await WaitUntilAsync(() => IsOnAsync(kept), TimeSpan.FromSeconds(1), "second evicted object gone");
        Assert.Empty(await Cluster.ListAsync().Where(l => l.NodeId == "d1").ToListAsync());
    }

    internal static (int Code, string Out, string Error) RunCli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = new CliConsole
        {
            Out = output, Error = error,
            OpenStandardOutput = () => new MemoryStream(), OpenStandardInput = () => new MemoryStream(),
            GetEnvironmentVariable = _ => null,
        };
        int code = CliApp.Run(args, console);
        return (code, output.ToString(), error.ToString());
    }
}
