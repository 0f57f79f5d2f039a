using System.Diagnostics;
using Xunit.Abstractions;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>Large objects between node processes: a 1 GiB object digest-checked, and one 256 MiB
/// object broadcast to 7 nodes at once (each pulls from a random live holder, so copies spread).</summary>
[Collection(ClusterSuite.Name)]
public sealed class LargeTransferTests(ITestOutputHelper output) : ClusterTestBase
{
    [Fact]
    public async Task A_1_GiB_object_arrives_whole_with_the_holders_digest()
    {
        var (a, b, id, data) = await ObjectOnATwoNodesAsync(1L << 30, seed: 30, "RAW"u8.ToArray(), memory: "1100M");

        var clock = Stopwatch.StartNew();
        using var client = PlasmaClient.Connect(b.StoreSocket!);
        using (PlasmaObject? got = client.Get(id, TimeSpan.FromSeconds(120)))
        {
            Assert.NotNull(got);
            output.WriteLine($"1 GiB pulled in {clock.Elapsed.TotalSeconds:F1} s");
            long offset = 0;
            foreach (ReadOnlyMemory<byte> chunk in got.GetDataChunks())
            {
                Assert.True(chunk.Span.SequenceEqual(data.AsSpan((int)offset, chunk.Length)), $"bytes differ in [{offset}, {offset + chunk.Length})");
                offset += chunk.Length;
            }
            Assert.Equal(data.Length, offset);
        }
        using var holder = PlasmaClient.Connect(a.StoreSocket!);
        Assert.Equal(holder.Hash(id), client.Hash(id));
    }

    [Fact]
    public async Task A_256_MiB_object_is_broadcast_to_7_nodes_at_once()
    {
        string[] ids = ["src", .. Enumerable.Range(1, 7).Select(i => $"n{i}")];
        NodeProcess[] nodes = ids.Select(n => NodeProcess.StartWithStore(Redis.Connection, n, TempDir, memory: "300M")).ToArray();
        Nodes.AddRange(nodes);
        await Task.WhenAll(nodes.Select(n => n.WaitRegisteredAsync(TimeSpan.FromSeconds(90))));
        var id = ObjectId.NewRandom();
        byte[] data = TestObjects.Bytes(256L << 20, seed: 31);
        TestObjects.Put(nodes[0].StoreSocket!, id, data, default);
        await WaitUntilAsync(() => IsOnAsync(id, "src"), TimeSpan.FromSeconds(10), "object on src");

        var clock = Stopwatch.StartNew();
        byte[] digest;
        using (var source = PlasmaClient.Connect(nodes[0].StoreSocket!)) digest = source.Hash(id);
        await Task.WhenAll(nodes[1..].Select(node => Task.Run(() =>
        {
            using var client = PlasmaClient.Connect(node.StoreSocket!);
            using PlasmaObject? got = client.Get(id, TimeSpan.FromSeconds(120));
            Assert.NotNull(got);
            Assert.Equal(digest, client.Hash(id));
        })));
        output.WriteLine($"256 MiB to 7 nodes in {clock.Elapsed.TotalSeconds:F1} s");
        await WaitUntilAsync(() => IsOnAsync(id, ids), TimeSpan.FromSeconds(10), "object on all 8 nodes");
    }
}
