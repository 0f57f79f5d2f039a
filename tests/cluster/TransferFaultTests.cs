using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using PlasmaSharp.Cluster.Transfer;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>Faults during transfers: holders killed mid-stream, bad bytes, Redis gone, the puller
/// killed, unsealed objects, a missing token. Nothing half-written may stay in a puller's store.</summary>
[Collection(ClusterSuite.Name)]
public sealed class TransferFaultTests : ClusterTestBase
{
    private const long Big = 768L << 20; // long enough on loopback to be caught mid-stream

    private async Task<NodeProcess> NodeOnOwnStoreAsync(string id, long capacity, params string[] extra)
    {
        PlasmaStore store = await PlasmaStore.StartAsync(capacity);
        Stores.Add(store);
        NodeProcess node = NodeProcess.Attach(Redis.Connection, id, store.SocketPath, extra: extra);
        Nodes.Add(node);
        await node.WaitRegisteredAsync();
        return node;
    }

    /// <summary>Waits until the store at <paramref name="socket"/> holds <paramref name="id"/> unsealed (a pull under way).</summary>
    private static async Task WaitUnsealedAsync(string socket, ObjectId id)
    {
        using var client = PlasmaClient.Connect(socket);
        var clock = Stopwatch.StartNew();
        while (!client.List().Any(o => o.Id == id && !o.IsSealed))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(20)) throw new TimeoutException("the pull never started");
            await Task.Delay(2);
        }
    }

    [Fact]
    public async Task A_holder_killed_mid_transfer_is_replaced_by_another_holder()
    {
        NodeProcess a = await NodeOnOwnStoreAsync("a", Big + (64 << 20));
        NodeProcess b = await NodeOnOwnStoreAsync("b", Big + (64 << 20));
        NodeProcess c = await NodeOnOwnStoreAsync("c", Big + (64 << 20));
        var id = ObjectId.NewRandom();
        byte[] data = TestObjects.Bytes(Big, seed: 10);
        TestObjects.Put(a.StoreSocket!, id, data, default);
        await WaitUntilAsync(() => IsOnAsync(id, "a"), TimeSpan.FromSeconds(5), "object on a");

        var log = new RecordingLogger();
        await using PlasmaCluster cluster = Beside(b, log);
        Task<PlasmaObject?> get = cluster.GetAsync(id, TimeSpan.FromSeconds(60));
        await WaitUnsealedAsync(b.StoreSocket!, id);
        a.Kill9();
        TestObjects.Put(c.StoreSocket!, id, data, default); // the second holder
        using PlasmaObject? got = await get;
        Assert.NotNull(got);
        Assert.True(got.Data.Span.SequenceEqual(data));
        Assert.Contains(log.Lines, l => l.Contains($"pull of {id} from node a failed", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Contains($"pulled {id}", StringComparison.Ordinal) && l.Contains("from node c", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_holder_killed_mid_transfer_with_no_other_holder_times_out_and_leaves_nothing()
    {
        NodeProcess a = await NodeOnOwnStoreAsync("a", Big + (64 << 20));
        NodeProcess b = await NodeOnOwnStoreAsync("b", Big + (64 << 20));
        var id = ObjectId.NewRandom();
        TestObjects.Put(a.StoreSocket!, id, TestObjects.Bytes(Big, seed: 11), default);
        await WaitUntilAsync(() => IsOnAsync(id, "a"), TimeSpan.FromSeconds(5), "object on a");

        await using PlasmaCluster cluster = Beside(b, new RecordingLogger());
        var clock = Stopwatch.StartNew();
        Task<PlasmaObject?> get = cluster.GetAsync(id, TimeSpan.FromSeconds(6));
        await WaitUnsealedAsync(b.StoreSocket!, id);
        a.Kill9();
        Assert.Null(await get);
        Assert.InRange(clock.Elapsed.TotalSeconds, 5.5, 12);
        await WaitUntilAsync(() => Task.FromResult(TestObjects.Find(b.StoreSocket!, id) is null), TimeSpan.FromSeconds(5), "no trace of the object on b");
    }

    [Fact]
    public async Task A_puller_killed_mid_pull_leaves_no_unsealed_object_in_its_store()
    {
        NodeProcess a = await NodeOnOwnStoreAsync("a", Big + (64 << 20));
        NodeProcess b = await NodeOnOwnStoreAsync("b", Big + (64 << 20));
        var id = ObjectId.NewRandom();
        TestObjects.Put(a.StoreSocket!, id, TestObjects.Bytes(Big, seed: 12), default);
        await WaitUntilAsync(() => IsOnAsync(id, "a"), TimeSpan.FromSeconds(5), "object on a");

        NodeProcess puller = NodeProcess.StartCli("puller", "get", id.ToString(), "--cluster", "--redis", Redis.Connection,
                                                  "--socket", b.StoreSocket!, "--timeout", "60000", "-o", Path.Combine(TempDir, "out.bin"));
        Nodes.Add(puller);
        await WaitUnsealedAsync(b.StoreSocket!, id);
        puller.Kill9();
        // The store aborts the objects of a client that hung up: the bytes are freed, nothing is visible.
        await WaitUntilAsync(() => Task.FromResult(TestObjects.Find(b.StoreSocket!, id) is null), TimeSpan.FromSeconds(5), "the unsealed copy aborted");
        using var client = PlasmaClient.Connect(b.StoreSocket!);
        Assert.Null(client.Get(id, TimeSpan.Zero));
    }

    [Fact]
    public async Task A_corrupted_chunk_is_caught_by_the_digest_aborted_and_pulled_again_from_another_holder()
    {
        NodeProcess a = await NodeOnOwnStoreAsync("a", 64L << 20);
        NodeProcess b = await NodeOnOwnStoreAsync("b", 64L << 20);
        var id = ObjectId.NewRandom();
        byte[] data = TestObjects.Bytes(5 << 20, seed: 13);
        // A holder that sends one flipped byte with the true digest; it registers the real copy on a
        // when it is asked, so the retry has somewhere else to go.
        await using var liar = await LyingHolder.StartAsync(Redis.Connection, "liar", id, data, onFetch: () => TestObjects.Put(a.StoreSocket!, id, data, default));

        var log = new RecordingLogger();
        await using PlasmaCluster cluster = Beside(b, log);
        using PlasmaObject? got = await cluster.GetAsync(id, TimeSpan.FromSeconds(20));
        Assert.NotNull(got);
        Assert.True(got.Data.Span.SequenceEqual(data));
        Assert.Equal(1, liar.Fetches);
        Assert.Contains(log.Lines, l => l.Contains("digest mismatch", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Contains($"pulled {id}", StringComparison.Ordinal) && l.Contains("from node a", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Redis_down_during_a_get_ends_it_with_its_normal_timeout_and_says_why()
    {
        NodeProcess b = await NodeOnOwnStoreAsync("b", 64L << 20);
        var log = new RecordingLogger();
        await using PlasmaCluster cluster = Beside(b, log);
        var clock = Stopwatch.StartNew();
        Task<PlasmaObject?> get = cluster.GetAsync(ObjectId.NewRandom(), TimeSpan.FromSeconds(4));
        await Task.Delay(500);
        Redis.Kill();
        Assert.Null(await get);
        Assert.InRange(clock.Elapsed.TotalSeconds, 3.9, 9);
        Assert.Contains(log.Lines, l => l.Contains("Redis unreachable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Only_sealed_objects_are_served_and_a_token_is_required_when_set()
    {
        string tokenFile = Path.Combine(TempDir, "token");
        File.WriteAllText(tokenFile, "s3cret-token\n");
        NodeProcess a = await NodeOnOwnStoreAsync("a", 64L << 20, "--token-file", tokenFile);
        NodeProcess b = await NodeOnOwnStoreAsync("b", 64L << 20, "--token-file", tokenFile);
        string address = (await Cluster.NodesAsync()).Single(n => n.Id == "a").TransferAddress;
        using var channel = GrpcChannel.ForAddress(address);
        var client = new ObjectTransfer.ObjectTransferClient(channel);

        using var store = PlasmaClient.Connect(a.StoreSocket!);
        var sealedId = ObjectId.NewRandom();
        store.Put(sealedId, TestObjects.Bytes(1000, seed: 14));
        var unsealedId = ObjectId.NewRandom();
        using WritablePlasmaObject unsealed = store.Create(unsealedId, 1000);

        async Task<StatusCode> FetchAsync(ObjectId id, Metadata headers)
        {
            try
            {
                using var call = client.Fetch(new FetchRequest { ObjectId = Google.Protobuf.ByteString.CopyFrom(id.ToByteArray()) }, headers);
                while (await call.ResponseStream.MoveNext(CancellationToken.None)) { }
                return StatusCode.OK;
            }
            catch (RpcException e)
            {
                return e.StatusCode;
            }
        }
        var withToken = new Metadata { { "authorization", "Bearer s3cret-token" } };
        Assert.Equal(StatusCode.Unauthenticated, await FetchAsync(sealedId, []));
        Assert.Equal(StatusCode.Unauthenticated, await FetchAsync(sealedId, new Metadata { { "authorization", "Bearer wrong" } }));
        Assert.Equal(StatusCode.OK, await FetchAsync(sealedId, withToken));
        Assert.Equal(StatusCode.NotFound, await FetchAsync(unsealedId, withToken));

        await using PlasmaCluster cluster = Beside(b, new RecordingLogger(), token: "s3cret-token");
        using PlasmaObject? got = await cluster.GetAsync(sealedId, TimeSpan.FromSeconds(20));
        Assert.NotNull(got);
    }
}
