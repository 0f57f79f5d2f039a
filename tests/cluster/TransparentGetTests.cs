using System.Diagnostics;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>A plain Plasma Get on a node's store (no cluster API) returns an object that lives on
/// another node: the store reports the id it lacks to its node, which pulls it.</summary>
[Collection(ClusterSuite.Name)]
public sealed class TransparentGetTests : ClusterTestBase
{
    [Fact]
    public async Task A_plain_get_on_one_nodes_store_returns_an_object_put_on_another()
    {
        var (_, b, id, data) = await ObjectOnATwoNodesAsync((2 << 20) + 3, seed: 20, "RAW"u8.ToArray());

        using var client = PlasmaClient.Connect(b.StoreSocket!);
        using (PlasmaObject? got = client.Get(id, TimeSpan.FromSeconds(20)))
        {
            Assert.NotNull(got);
            Assert.True(got.Data.Span.SequenceEqual(data));
            Assert.Equal("RAW"u8.ToArray(), got.Metadata.ToArray());
        }
        // The node let go of its copy: the reader can delete it (the node holds no reference).
        await WaitUntilAsync(() => Task.FromResult(client.List().Single(o => o.Id == id).RefCount == 0), TimeSpan.FromSeconds(5), "no reference left on b");
        Assert.Equal(DeleteResult.Deleted, client.Delete(id));
    }

    [Fact]
    public async Task An_async_get_of_an_object_that_takes_longer_than_one_wait_slice_to_pull_returns_it()
    {
        // PlasmaClient.GetAsync waits in slices (AsyncPollInterval, 100 ms) so its token is honoured;
        // the node must not bound its pull by one slice, or a pull longer than that never finishes.
        var (a, b, id, data) = await ObjectOnATwoNodesAsync(192L << 20, seed: 22, [], memory: "400M");

        using var client = PlasmaClient.Connect(b.StoreSocket!);
        using PlasmaObject? got = await client.GetAsync(id, TimeSpan.FromSeconds(60));
        Assert.NotNull(got);
        Assert.Equal(data.Length, got.DataLength);
        using var holder = PlasmaClient.Connect(a.StoreSocket!);
        Assert.Equal(holder.Hash(id), client.Hash(id));
    }

    [Fact]
    public async Task A_plain_get_before_the_put_returns_when_another_node_seals_it_and_times_out_normally_otherwise()
    {
        NodeProcess[] nodes = await StartNodesAsync("a", "b");
        var id = ObjectId.NewRandom();
        byte[] data = TestObjects.Bytes(300_000, seed: 21);
        using var client = PlasmaClient.Connect(nodes[1].StoreSocket!);
        Task<PlasmaObject?> get = client.GetAsync(id, TimeSpan.FromSeconds(20));
        await Task.Delay(800);
        Assert.False(get.IsCompleted);
        TestObjects.Put(nodes[0].StoreSocket!, id, data, default);
        using (PlasmaObject? got = await get)
        {
            Assert.NotNull(got);
            Assert.True(got.Data.Span.SequenceEqual(data));
        }

        var clock = Stopwatch.StartNew();
        Assert.Null(client.Get(ObjectId.NewRandom(), TimeSpan.FromMilliseconds(1200)));
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.1, 10); // ends at its own timeout, not the earlier 20 s Get's
    }
}
