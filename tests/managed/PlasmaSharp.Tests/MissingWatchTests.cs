namespace PlasmaSharp.Tests;

/// <summary>StoreMissingWatch, the managed side of our store's missing-objects watch (what a cluster
/// node's transparent Gets read): a Get waiting for absent ids is reported with those ids and its
/// timeout, a report bigger than one native read arrives in pieces with the same timeout, and the
/// store going away or not being there are PlasmaConnectionExceptions. Our store only: Arrow's aborts
/// on the request (tests/native/client/missing_watch_test.cc records that).</summary>
public class MissingWatchTests
{
    [Fact]
    public async Task A_waiting_get_is_reported_with_its_ids_and_timeout_in_pieces_when_large()
    {
        await using PlasmaStore store = await TestStores.StartAsync(StoreKind.Ours, 16L << 20);
        using StoreMissingWatch watch = StoreMissingWatch.Open(store.SocketPath);
        using PlasmaClient getter = PlasmaClient.Connect(store.SocketPath);
        Assert.Null(watch.TryRead(TimeSpan.Zero));

        ObjectId[] ids = Enumerable.Range(0, 1500).Select(_ => ObjectId.NewRandom()).ToArray();
        Task<PlasmaObject?[]> get = Task.Run(() => getter.Get(ids, TimeSpan.FromMilliseconds(4000)));
        var reported = new List<ObjectId>();
        while (reported.Count < ids.Length)
        {
            MissingObjects? missing = watch.TryRead(TimeSpan.FromSeconds(20));
            Assert.NotNull(missing);
            Assert.Equal(TimeSpan.FromMilliseconds(4000), missing.Value.GetTimeout);
            Assert.InRange(missing.Value.Ids.Count, 1, 1024);
            reported.AddRange(missing.Value.Ids);
        }
        Assert.Equal(ids, reported);
        Assert.All(await get, Assert.Null); // nobody brought them: the Get times out as usual
    }

    [Fact]
    public async Task A_get_that_waits_forever_is_reported_with_an_infinite_timeout()
    {
        await using PlasmaStore store = await TestStores.StartAsync(StoreKind.Ours, 16L << 20);
        using StoreMissingWatch watch = StoreMissingWatch.Open(store.SocketPath);
        using PlasmaClient getter = PlasmaClient.Connect(store.SocketPath);
        using PlasmaClient writer = PlasmaClient.Connect(store.SocketPath);
        ObjectId id = ObjectId.NewRandom();
        // The synchronous Get: GetAsync waits in bounded slices, each a Get of its own on the wire.
        Task<PlasmaObject?> get = Task.Run(() => getter.Get(id, Timeout.InfiniteTimeSpan));
        MissingObjects? missing = watch.TryRead(TimeSpan.FromSeconds(20));
        Assert.NotNull(missing);
        Assert.Equal(Timeout.InfiniteTimeSpan, missing.Value.GetTimeout);
        Assert.Equal([id], missing.Value.Ids);
        writer.Put(id, "x"u8, default);
        using PlasmaObject? got = await get;
        Assert.NotNull(got);
    }

    [Fact]
    public async Task The_store_stopping_ends_the_watch_and_a_missing_store_cannot_be_watched()
    {
        PlasmaStore store = await TestStores.StartAsync(StoreKind.Ours, 16L << 20);
        using StoreMissingWatch watch = StoreMissingWatch.Open(store.SocketPath);
        await store.DisposeAsync();
        Assert.Throws<PlasmaConnectionException>(() => watch.TryRead(TimeSpan.FromSeconds(20)));
        Assert.Throws<PlasmaConnectionException>(() => StoreMissingWatch.Open(store.SocketPath));
        watch.Dispose();
        Assert.Throws<ObjectDisposedException>(() => watch.TryRead(TimeSpan.Zero));
    }
}
