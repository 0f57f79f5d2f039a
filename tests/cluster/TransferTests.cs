using System.Diagnostics;
using PlasmaSharp.Cli;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>Objects move between node processes: put on one node, read from another's store.</summary>
[Collection(ClusterSuite.Name)]
public sealed class TransferTests : ClusterTestBase
{
    [Fact]
    public async Task An_object_put_on_one_node_is_read_from_another_with_GetAsync()
    {
        var (nodeA, nodeB, id, data) = await ObjectOnATwoNodesAsync((3 << 20) + 12345, seed: 1, "meta"u8.ToArray());
        NodeProcess[] nodes = [nodeA, nodeB];

        await using PlasmaCluster cluster = Beside(nodes[1]);
        using (PlasmaObject? got = await cluster.GetAsync(id, TimeSpan.FromSeconds(20)))
        {
            Assert.NotNull(got);
            Assert.True(got.Data.Span.SequenceEqual(data));
            Assert.Equal("meta"u8.ToArray(), got.Metadata.ToArray());
        }
        // Sealed on b with the same digest, and published: the next reader may pull from either.
        using var a = PlasmaClient.Connect(nodes[0].StoreSocket!);
        using var b = PlasmaClient.Connect(nodes[1].StoreSocket!);
        Assert.Equal(a.Hash(id), b.Hash(id));
        await WaitUntilAsync(() => IsOnAsync(id, "a", "b"), TimeSpan.FromSeconds(5), "object on a and b");
    }

    [Fact]
    public async Task Concurrent_gets_of_one_id_make_one_transfer()
    {
        var (_, b, id, data) = await ObjectOnATwoNodesAsync(8 << 20, seed: 2, []);

        var log = new RecordingLogger();
        await using PlasmaCluster cluster = Beside(b, log);
        PlasmaObject?[] got = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => cluster.GetAsync(id, TimeSpan.FromSeconds(20))));
        try
        {
            Assert.All(got, o => Assert.True(o!.Data.Span.SequenceEqual(data)));
            Assert.Equal(1, log.Count($"pulled {id}"));
        }
        finally
        {
            foreach (PlasmaObject? o in got) o?.Dispose();
        }
    }

    [Fact]
    public async Task A_get_before_the_put_returns_once_a_node_seals_the_object()
    {
        NodeProcess[] nodes = await StartNodesAsync("a", "b");
        var id = ObjectId.NewRandom();
        byte[] data = TestObjects.Bytes(100_000, seed: 3);
        await using PlasmaCluster cluster = Beside(nodes[1]);
        Task<PlasmaObject?> get = cluster.GetAsync(id, TimeSpan.FromSeconds(20));
        await Task.Delay(700);
        Assert.False(get.IsCompleted);
        TestObjects.Put(nodes[0].StoreSocket!, id, data, default);
        using PlasmaObject? got = await get;
        Assert.NotNull(got);
        Assert.True(got.Data.Span.SequenceEqual(data));
    }

    [Fact]
    public async Task A_get_for_an_object_no_node_has_returns_null_after_its_timeout()
    {
        NodeProcess[] nodes = await StartNodesAsync("a", "b");
        await using PlasmaCluster cluster = Beside(nodes[1]);
        var clock = Stopwatch.StartNew();
        Assert.Null(await cluster.GetAsync(ObjectId.NewRandom(), TimeSpan.FromMilliseconds(1500)));
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.4, 10); // upper bound: it ends, with room for a loaded machine
        Assert.Null(await cluster.GetAsync(ObjectId.NewRandom(), TimeSpan.Zero));
    }

    [Fact]
    public async Task The_cli_get_cluster_writes_an_object_of_another_node()
    {
        var (_, b, id, data) = await ObjectOnATwoNodesAsync(2 << 20, seed: 4, []);
        string file = Path.Combine(TempDir, "out.bin");

        var (code, _, error) = ThreeNodeTests.RunCli("get", id.ToString(), "--cluster", "--redis", Redis.Connection,
                                                     "--socket", b.StoreSocket!, "--timeout", "20000", "-o", file);
        Assert.True(code == ExitCodes.Ok, error);
        Assert.Equal(data, File.ReadAllBytes(file));

        (code, _, error) = ThreeNodeTests.RunCli("get", ObjectId.NewRandom().ToString(), "--cluster", "--redis", Redis.Connection,
                                                 "--socket", b.StoreSocket!, "--timeout", "300");
        Assert.Equal(ExitCodes.NotFound, code);
        Assert.Contains("neither in the store nor on a live node", error);
    }

    [Fact]
    public async Task Objects_of_every_digest_size_class_are_pulled_and_sealed_with_the_holders_digest()
    {
        // The puller feeds the native streaming digest chunk by chunk (1 MiB gRPC chunks whose edges
        // never line up with the digest's regions), checks it against the holder's and seals with it:
        // b's seal digest (List) and the digest of b's stored bytes (Hash) must both be a's.
        NodeProcess[] nodes = await StartNodesAsync("a", "b");
        await using PlasmaCluster cluster = Beside(nodes[1]);
        using var a = PlasmaClient.Connect(nodes[0].StoreSocket!);
        using var b = PlasmaClient.Connect(nodes[1].StoreSocket!);
        foreach (long size in new long[] { 0, 1, 1000, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, (5 << 20) + 7, 4104 * 512 })
        {
            var id = ObjectId.NewRandom();
            a.Put(id, TestObjects.Bytes(size, seed: (int)size), "md"u8);
            await WaitUntilAsync(() => IsOnAsync(id, "a"), TimeSpan.FromSeconds(5), $"{size}-byte object on a");
            using (PlasmaObject? got = await cluster.GetAsync(id, TimeSpan.FromSeconds(20)))
                Assert.True(got is not null, $"the {size}-byte object was not pulled");
            string expected = Convert.ToHexString(a.Hash(id));
            Assert.Equal(expected, Convert.ToHexString(b.Hash(id)));
            Assert.Equal(expected, Convert.ToHexString(b.List().Single(o => o.Id == id).Digest.Span));
        }
    }
}
