using PlasmaSharp.Cluster.Transfer;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>The node's reader of its store's missing-objects watch on its own, against our store: a
/// Get waiting for an absent id reaches the callback with that Get's timeout; the store going away
/// is logged once and ends the reader; Dispose ends it without a warning.</summary>
public sealed class MissingObjectsWatchTests
{
    private const string Ended = "the missing-objects watch on the store ended";

    [Fact]
    public async Task A_waiting_get_reaches_the_callback_and_a_store_that_stops_is_logged_once()
    {
        PlasmaStore store = await PlasmaStore.StartAsync(16L << 20);
        var log = new RecordingLogger();
        var reported = new TaskCompletionSource<(IReadOnlyList<ObjectId> Ids, TimeSpan Timeout)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using MissingObjectsWatch watch = MissingObjectsWatch.Start(store.SocketPath, (ids, timeout) => reported.TrySetResult((ids, timeout)), log);
        using (PlasmaClient client = PlasmaClient.Connect(store.SocketPath))
        {
            ObjectId id = ObjectId.NewRandom();
            Task<PlasmaObject?> get = Task.Run(() => client.Get(id, TimeSpan.FromMilliseconds(1500)));
            (IReadOnlyList<ObjectId> ids, TimeSpan timeout) = await reported.Task.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal([id], ids);
            Assert.Equal(TimeSpan.FromMilliseconds(1500), timeout);
            Assert.Null(await get); // nobody brought it
        }
        await store.DisposeAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (log.Count(Ended) == 0 && clock.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(20);
        Assert.Equal(1, log.Count(Ended));
    }

    [Fact]
    public async Task Dispose_ends_the_reader_without_a_warning_and_an_absent_store_cannot_be_watched()
    {
        await using PlasmaStore store = await PlasmaStore.StartAsync(16L << 20);
        var log = new RecordingLogger();
        MissingObjectsWatch watch = MissingObjectsWatch.Start(store.SocketPath, (_, _) => { }, log);
        watch.Dispose();
        Assert.Empty(log.Lines);
        Assert.Throws<PlasmaConnectionException>(() => MissingObjectsWatch.Start(store.SocketPath + ".absent", (_, _) => { }, log));
    }
}
