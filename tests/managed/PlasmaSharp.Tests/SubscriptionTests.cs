namespace PlasmaSharp.Tests;

public class SubscriptionTests : IClassFixture<StoreFixture>
{
    private readonly StoreFixture _stores;

    public SubscriptionTests(StoreFixture stores) => _stores = stores;

    [Theory, OurStore, RealStore]
    public async Task Seal_and_delete_notifications_arrive_as_an_async_stream(StoreKind store)
    {
        using PlasmaClient listener = _stores.Connect(store);
        using PlasmaClient writer = _stores.Connect(store);
        using PlasmaSubscription subscription = listener.Subscribe();
        ObjectId id = ObjectId.NewRandom();
        writer.Put(id, "12345"u8, "md"u8);
        byte[] digest = writer.Hash(id);
        writer.Delete(id);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var seen = new List<PlasmaNotification>();
        await foreach (PlasmaNotification n in subscription.WithCancellation(cts.Token))
        {
            if (n.Id != id) continue; // objects sealed earlier by other tests are reported first
            seen.Add(n);
            if (seen.Count == 2) break;
        }
        Assert.False(seen[0].IsDeletion);
        Assert.Equal(5, seen[0].DataSize);
        Assert.Equal(2, seen[0].MetadataSize);
        Assert.Equal(digest, seen[0].Digest.ToArray());
        Assert.True(seen[1].IsDeletion);
    }

    [Theory, OurStore, RealStore]
    public async Task Enumeration_is_cancellable_and_TryRead_times_out(StoreKind store)
    {
        using PlasmaClient listener = _stores.Connect(store);
        using PlasmaSubscription subscription = listener.Subscribe();
        while (subscription.TryRead(TimeSpan.Zero) is not null) { } // drain the already-sealed objects
        Assert.Null(subscription.TryRead(TimeSpan.FromMilliseconds(20)));
        Assert.True(subscription.FileDescriptor >= 0);

        using var cts = new CancellationTokenSource(150);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (PlasmaNotification _ in subscription.WithCancellation(cts.Token)) { }
        });
    }

    [Theory, OurStore, RealStore]
    public void Subscribing_twice_on_one_client_is_refused(StoreKind store)
    {
        using PlasmaClient listener = _stores.Connect(store);
        using PlasmaSubscription first = listener.Subscribe();
        Assert.Throws<InvalidOperationException>(() => listener.Subscribe());
    }

    [Theory, OurStore, RealStore]
    public async Task The_stream_ends_when_the_store_stops(StoreKind store)
    {
        await using PlasmaStore own = await TestStores.StartAsync(store, 1 << 20);
        using PlasmaClient listener = PlasmaClient.Connect(own.SocketPath);
        using PlasmaSubscription subscription = listener.Subscribe();
        Task<int> counting = Task.Run(async () =>
        {
            int count = 0;
            await foreach (PlasmaNotification _ in subscription) count++;
            return count;
        });
        using (PlasmaClient writer = PlasmaClient.Connect(own.SocketPath)) writer.Put(ObjectId.NewRandom(), "x"u8);
        await own.StopAsync();
        Assert.Equal(1, await counting.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
