using System.Diagnostics;

namespace PlasmaSharp.Tests;

/// <summary>Faults seen from C#: the store killed (SIGKILL) under connected clients, and a store full of
/// pinned objects. Each test starts its own store; waits are bounded by generous safety deadlines only.</summary>
public class StoreFaultTests
{
    private static readonly TimeSpan SafetyDeadline = TimeSpan.FromSeconds(30);

    private static void Kill(PlasmaStore running)
    {
        using (Process process = Process.GetProcessById(running.ProcessId!.Value)) process.Kill(); // SIGKILL: no cleanup, no goodbye
        Assert.True(TestData.Eventually(() => !running.IsRunning), "the store did not die");
    }

    [Theory, OurStore, RealStore]
    public async Task After_the_store_is_killed_calls_throw_PlasmaConnectionException_and_held_objects_stay_readable(StoreKind store)
    {
        await using PlasmaStore running = await TestStores.StartAsync(store, 8 << 20);
        using PlasmaClient client = PlasmaClient.Connect(running.SocketPath);
        ObjectId small = ObjectId.NewRandom(), large = ObjectId.NewRandom();
        byte[] largeData = TestData.Bytes(1 << 20, seed: 8);
        client.Put(small, "before the crash"u8, "md"u8);
        client.Put(large, largeData);
        using PlasmaObject held = client.Get(small, TimeSpan.Zero)!;
        using PlasmaObject heldLarge = client.Get(large, TimeSpan.Zero)!;
        using WritablePlasmaObject open = client.Create(ObjectId.NewRandom(), 64);
        open.Span.Fill(0x5a);

        Kill(running);

        // (Contains of an object this client holds is answered locally, as libplasma does: ask about another one.)
        var e = Assert.Throws<PlasmaConnectionException>(() => client.Contains(ObjectId.NewRandom()));
        Assert.Contains("store is running", e.Message);
        Assert.Contains("new PlasmaClient", e.Message);
        // Every later call fails the same way (no hang, no other exception type).
        Assert.Throws<PlasmaConnectionException>(() => client.Put(ObjectId.NewRandom(), "x"u8));
        Assert.Throws<PlasmaConnectionException>(() => client.Put(ObjectId.NewRandom(), largeData));
        Assert.Throws<PlasmaConnectionException>(() => client.Get(small, TimeSpan.FromSeconds(60)));
        Assert.Throws<PlasmaConnectionException>(() => client.List());
        Assert.Throws<PlasmaConnectionException>(() => client.Create(ObjectId.NewRandom(), 8).Dispose());
        Assert.Throws<PlasmaConnectionException>(() => client.PutBatch([new PlasmaPutItem(ObjectId.NewRandom(), new byte[] { 1 })]));
        Assert.Throws<PlasmaConnectionException>(() => client.Delete(ObjectId.NewRandom()));
        Assert.Throws<PlasmaConnectionException>(() => client.Refresh([small]));
        Assert.Throws<PlasmaConnectionException>(() => client.Evict(1));
        Assert.Throws<PlasmaConnectionException>(() => client.GetDebugString());
        Assert.Throws<PlasmaConnectionException>(() => client.Subscribe().Dispose());

        // The mappings are reference-counted locally: what was obtained before stays readable.
        Assert.Equal("before the crash"u8.ToArray(), held.Data.ToArray());
        Assert.Equal("md"u8.ToArray(), held.Metadata.ToArray());
        Assert.Equal(largeData, heldLarge.Data.ToArray());
        Assert.All(open.Span.ToArray(), b => Assert.Equal(0x5a, b));
        Assert.Throws<PlasmaConnectionException>(() => open.Seal());
        // Releasing (and aborting) on a dead connection does not throw.
        held.Dispose();
        heldLarge.Dispose();
        open.Dispose();
        client.Dispose();
    }

    [Theory, OurStore, RealStore]
    public async Task Pending_gets_wake_up_with_PlasmaConnectionException_when_the_store_is_killed(StoreKind store)
    {
        await using PlasmaStore running = await TestStores.StartAsync(store, 1 << 20);
        using PlasmaClient asyncClient = PlasmaClient.Connect(running.SocketPath);
        using PlasmaClient blockingClient = PlasmaClient.Connect(running.SocketPath);
        ObjectId never = ObjectId.NewRandom();

        Task<PlasmaObject?> pendingAsync = asyncClient.GetAsync(never, Timeout.InfiniteTimeSpan);
        Task<PlasmaObject?> pendingBlocking = Task.Factory.StartNew(() => blockingClient.Get(never, TimeSpan.FromHours(1)),
                                                                    TaskCreationOptions.LongRunning);
        // A second blocking caller on the same client, queued behind the first one's wait.
        Task<PlasmaObject?> queuedBlocking = Task.Factory.StartNew(() => blockingClient.Get(never, TimeSpan.FromHours(1)),
                                                                   TaskCreationOptions.LongRunning);
        // Give them time to reach the store (if one is late, it still must fail the same way).
        await Task.Delay(300);
        Assert.False(pendingAsync.IsCompleted);
        Assert.False(pendingBlocking.IsCompleted);

        Kill(running);

        await Assert.ThrowsAsync<PlasmaConnectionException>(() => pendingAsync.WaitAsync(SafetyDeadline));
        await Assert.ThrowsAsync<PlasmaConnectionException>(() => pendingBlocking.WaitAsync(SafetyDeadline));
        await Assert.ThrowsAsync<PlasmaConnectionException>(() => queuedBlocking.WaitAsync(SafetyDeadline));
    }

    [Theory, OurStore, RealStore]
    public async Task A_subscription_enumeration_ends_when_the_store_is_killed(StoreKind store)
    {
        await using PlasmaStore running = await TestStores.StartAsync(store, 1 << 20);
        using PlasmaClient listener = PlasmaClient.Connect(running.SocketPath);
        using PlasmaSubscription subscription = listener.Subscribe();
        using PlasmaClient writer = PlasmaClient.Connect(running.SocketPath);
        ObjectId id = ObjectId.NewRandom();
        var seen = new TaskCompletionSource();
        Task<int> counting = Task.Run(async () =>
        {
            int count = 0;
            await foreach (PlasmaNotification n in subscription)
            {
                count++;
                if (n.Id == id) seen.TrySetResult();
            }
            return count;
        });
        writer.Put(id, "x"u8);
        await seen.Task.WaitAsync(SafetyDeadline);

        Kill(running);

        Assert.Equal(1, await counting.WaitAsync(SafetyDeadline)); // ends normally, no exception
        // The explicit read calls report the dead connection.
        Assert.Throws<PlasmaConnectionException>(() => subscription.TryRead(TimeSpan.FromSeconds(60)));
        await Assert.ThrowsAsync<PlasmaConnectionException>(() => subscription.ReadAsync().WaitAsync(SafetyDeadline));
    }

    [Theory, OurStore, RealStore]
    public async Task A_store_full_of_pinned_objects_throws_StoreFullException_until_the_pins_are_disposed(StoreKind store)
    {
        const int Large = 256 * 1024, Small = 16 * 1024; // Large takes the Create path, Small CreateAndSeal
        await using PlasmaStore running = await TestStores.StartAsync(store, 4 << 20);
        using PlasmaClient client = PlasmaClient.Connect(running.SocketPath); // EvictIfFull (default): nothing is evictable
        using PlasmaClient other = PlasmaClient.Connect(running.SocketPath);
        var pins = new List<IDisposable>();
        try
        {
            // Fill with pinned objects: large ones held by Get, then small ones held as sealed writables,
            // until neither size fits any more.
            Assert.True(FillWith(Large, id => { client.Put(id, TestData.Bytes(Large)); pins.Add(client.Get(id, TimeSpan.Zero)!); }) > 0);
            FillWith(Small, id =>
            {
                WritablePlasmaObject w = client.Create(id, Small);
                pins.Add(w);
                w.WriteAndSeal(TestData.Bytes(Small));
            });

            var full = Assert.Throws<StoreFullException>(() => other.Put(ObjectId.NewRandom(), TestData.Bytes(Large)));
            Assert.Equal(PlasmaErrorCode.OutOfMemory, full.ErrorCode);
            Assert.Contains("dispose objects you hold", full.Message);
            Assert.Throws<StoreFullException>(() => other.Put(ObjectId.NewRandom(), TestData.Bytes(Small)));
            Assert.Throws<StoreFullException>(() => other.Create(ObjectId.NewRandom(), Small).Dispose());
            Assert.True(running.IsRunning);
            Assert.All(other.List(), info => Assert.Equal(1, info.RefCount)); // everything pinned, nothing lost
        }
        finally
        {
            foreach (IDisposable pin in pins) pin.Dispose();
        }
        // Release has no reply (Plasma protocol), so the store may still be reading the releases
        // when `other` asks for room. It handles one connection's messages in order: a round trip
        // on `client` returns only after every release sent before it was processed.
        client.List();
        // Unpinned objects are evictable now: the same puts succeed.
        ObjectId after = ObjectId.NewRandom();
        other.Put(after, TestData.Bytes(Large, seed: 3));
        other.Put(ObjectId.NewRandom(), TestData.Bytes(Small));
        using PlasmaObject got = other.Get(after, TimeSpan.Zero)!;
        Assert.Equal(TestData.Bytes(Large, seed: 3), got.Data.ToArray());
    }

    /// <summary>Adds objects with <paramref name="add"/> until the store is full; returns how many fitted.</summary>
    private static int FillWith(int size, Action<ObjectId> add)
    {
        for (int count = 0; count < 1000; count++)
        {
            try
            {
                add(ObjectId.NewRandom());
            }
            catch (StoreFullException)
            {
                return count;
            }
        }
        throw new Xunit.Sdk.XunitException($"the store never filled up with {size}-byte objects");
    }
}
