namespace PlasmaSharp.Tests;

public class ClientTests : IClassFixture<StoreFixture>
{
    private readonly StoreFixture _stores;

    public ClientTests(StoreFixture stores) => _stores = stores;

    [Theory]
    [OurStore(0), RealStore(0)]
    [OurStore(1), RealStore(1)]
    [OurStore(1000), RealStore(1000)]
    [OurStore(64 * 1024), RealStore(64 * 1024)]           // CreateAndSeal path (at the threshold)
    [OurStore(64 * 1024 + 1), RealStore(64 * 1024 + 1)]   // Create + copy + Seal path
    [OurStore(3 << 20), RealStore(3 << 20)]
    public void Put_then_Get_returns_the_same_bytes_and_metadata(StoreKind store, int length)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        byte[] data = TestData.Bytes(length, length);
        client.Put(id, data, "meta"u8);

        using PlasmaObject? obj = client.Get(id, TimeSpan.FromSeconds(5));
        Assert.NotNull(obj);
        Assert.Equal(id, obj.Id);
        Assert.Equal(length, obj.DataLength);
        Assert.True(obj.Data.Span.SequenceEqual(data));
        Assert.Equal("meta"u8.ToArray(), obj.Metadata.ToArray());
        Assert.True(client.Contains(id));
    }

    [Theory, OurStore, RealStore]
    public void Create_write_Seal_is_visible_to_another_client(StoreKind store)
    {
        using PlasmaClient writer = _stores.Connect(store);
        using PlasmaClient reader = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        using (WritablePlasmaObject created = writer.Create(id, 5, "m"u8))
        {
            "hello"u8.CopyTo(created.Span);
            Assert.False(reader.Contains(id)); // not sealed yet
            Assert.Null(reader.Get(id, TimeSpan.Zero));
            created.Seal();
            Assert.True(created.IsSealed);
        }
        using PlasmaObject? obj = reader.Get(id, TimeSpan.Zero);
        Assert.Equal("hello"u8.ToArray(), obj!.Data.ToArray());
    }

    [Theory, OurStore, RealStore]
    public void Get_of_a_missing_object_returns_null_after_the_timeout(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        Assert.Null(client.Get(ObjectId.NewRandom(), TimeSpan.Zero));
        Assert.Null(client.Get(ObjectId.NewRandom(), TimeSpan.FromMilliseconds(50)));
    }

    [Theory, OurStore, RealStore]
    public void Get_of_several_ids_has_nulls_for_the_missing_ones(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId a = ObjectId.NewRandom(), missing = ObjectId.NewRandom(), b = ObjectId.NewRandom();
        client.Put(a, "a"u8);
        client.Put(b, "bb"u8);
        PlasmaObject?[] got = client.Get([a, missing, b], TimeSpan.FromMilliseconds(20));
        try
        {
            Assert.Equal(3, got.Length);
            Assert.Equal("a"u8.ToArray(), got[0]!.Data.ToArray());
            Assert.Null(got[1]);
            Assert.Equal("bb"u8.ToArray(), got[2]!.Data.ToArray());
        }
        finally
        {
            foreach (var o in got) o?.Dispose();
        }
    }

    [Theory, OurStore, RealStore]
    public async Task GetAsync_waits_for_a_later_seal(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        using PlasmaClient writer = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        Task<PlasmaObject?> pending = client.GetAsync(id, TimeSpan.FromSeconds(30));
        await Task.Delay(50);
        Assert.False(pending.IsCompleted);
        writer.Put(id, "late"u8);
        using PlasmaObject? obj = await pending;
        Assert.Equal("late"u8.ToArray(), obj!.Data.ToArray());
    }

    [Theory, OurStore, RealStore]
    public async Task GetAsync_returns_null_at_the_timeout_and_honours_cancellation(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        Assert.Null(await client.GetAsync(ObjectId.NewRandom(), TimeSpan.FromMilliseconds(150)));

        using var cts = new CancellationTokenSource();
        Task<PlasmaObject?> forever = client.GetAsync(ObjectId.NewRandom(), Timeout.InfiniteTimeSpan, cts.Token);
        cts.CancelAfter(100);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => forever);
    }

    [Theory, OurStore, RealStore]
    public async Task GetAsync_of_several_keeps_the_ones_it_has(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        using PlasmaClient writer = _stores.Connect(store);
        ObjectId a = ObjectId.NewRandom(), b = ObjectId.NewRandom();
        client.Put(a, "a"u8);
        Task<PlasmaObject?[]> pending = client.GetAsync([a, b], TimeSpan.FromSeconds(30));
        await Task.Delay(150);
        Assert.False(pending.IsCompleted);
        writer.Put(b, "b"u8);
        PlasmaObject?[] got = await pending;
        Assert.Equal("a"u8.ToArray(), got[0]!.Data.ToArray());
        Assert.Equal("b"u8.ToArray(), got[1]!.Data.ToArray());
        foreach (var o in got) o!.Dispose();
    }

    [Theory, OurStore, RealStore]
    public void PutBatch_stores_all_objects(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        var items = Enumerable.Range(0, 5)
            .Select(i => new PlasmaPutItem(ObjectId.NewRandom(), TestData.Bytes(100 * i, i), i % 2 == 0 ? "RAW"u8.ToArray() : default))
            .ToArray();
        client.PutBatch(items);
        foreach (PlasmaPutItem item in items)
        {
            using PlasmaObject? obj = client.Get(item.Id, TimeSpan.Zero);
            Assert.True(obj!.Data.Span.SequenceEqual(item.Data.Span));
            Assert.True(obj.Metadata.Span.SequenceEqual(item.Metadata.Span));
        }
    }

    [Theory, OurStore, RealStore]
    public void PutBatch_is_all_or_nothing(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId existing = ObjectId.NewRandom(), fresh = ObjectId.NewRandom();
        client.Put(existing, "x"u8);
        Assert.Throws<ObjectExistsException>(() =>
            client.PutBatch([new PlasmaPutItem(fresh, new byte[] { 1 }), new PlasmaPutItem(existing, new byte[] { 2 })]));
        Assert.False(client.Contains(fresh));
    }

    [Theory, OurStore, RealStore]
    public void Delete_reports_per_id_results(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        using PlasmaClient holder = _stores.Connect(store);
        ObjectId gone = ObjectId.NewRandom(), held = ObjectId.NewRandom(), missing = ObjectId.NewRandom();
        client.Put(gone, "1"u8);
        client.Put(held, "2"u8);
        using PlasmaObject? holding = holder.Get(held, TimeSpan.Zero);
        Assert.NotNull(holding);

        DeleteResult[] results = client.Delete([gone, held, missing]);
        Assert.Equal([DeleteResult.Deleted, DeleteResult.DeferredInUse, DeleteResult.NotFound], results);
        Assert.False(client.Contains(gone));
        holding.Dispose();
        // Deferred: removed once the last reference went away.
        Assert.Null(client.Info(held));
    }

    [Theory, OurStore, RealStore]
    public void List_shows_sizes_seal_state_and_ref_counts(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId sealedId = ObjectId.NewRandom(), openId = ObjectId.NewRandom();
        client.Put(sealedId, new byte[10], "abc"u8);
        using WritablePlasmaObject open = client.Create(openId, 7);

        ObjectInfo s = client.Info(sealedId)!;
        Assert.Equal(10, s.DataSize);
        Assert.Equal(3, s.MetadataSize);
        Assert.True(s.IsSealed);
        Assert.Equal(0, s.RefCount);
        Assert.NotNull(s.ConstructDuration);
        Assert.True(s.CreateTime > DateTimeOffset.UtcNow.AddHours(-1));

        ObjectInfo o = client.Info(openId)!;
        Assert.False(o.IsSealed);
        Assert.Null(o.ConstructDuration);
        Assert.Equal(1, o.RefCount);
    }

    [Theory, OurStore, RealStore]
    public void Hash_is_8_bytes_and_matches_the_seal_notification_digest_of_equal_content(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId a = ObjectId.NewRandom(), b = ObjectId.NewRandom(), c = ObjectId.NewRandom();
        client.Put(a, "same"u8);
        client.Put(b, "same"u8);
        client.Put(c, "diff"u8);
        byte[] ha = client.Hash(a);
        Assert.Equal(8, ha.Length);
        Assert.Equal(ha, client.Hash(b));
        Assert.NotEqual(ha, client.Hash(c));
    }

    [Theory, OurStore, RealStore]
    public void Capacity_DebugString_Refresh_and_Evict_work(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        Assert.Equal(StoreFixture.Capacity, client.Capacity);
        Assert.False(string.IsNullOrEmpty(client.GetDebugString()));
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, new byte[1000]);
        client.Refresh([id, ObjectId.NewRandom()]);
        Assert.True(client.Evict(1) >= 0);
    }

    [Theory, OurStore, RealStore]
    public void Abort_removes_an_unsealed_object_and_Dispose_without_Seal_aborts(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId aborted = ObjectId.NewRandom(), dropped = ObjectId.NewRandom();
        using (WritablePlasmaObject o = client.Create(aborted, 10)) o.Abort();
        using (WritablePlasmaObject o = client.Create(dropped, 10)) o.Span.Fill(1);
        Assert.Null(client.Info(aborted));
        Assert.Null(client.Info(dropped));
        // The ids are free again.
        client.Put(aborted, "ok"u8);
        Assert.True(client.Contains(aborted));
    }

    [Theory, OurStore, RealStore]
    public async Task ConnectAsync_connects_and_can_be_cancelled(StoreKind store)
    {
        using (PlasmaClient client = await PlasmaClient.ConnectAsync(_stores.SocketPath(store)))
            Assert.Equal(StoreFixture.Capacity, client.Capacity);

        using var cts = new CancellationTokenSource(200);
        string nowhere = Path.Combine(Path.GetTempPath(), "no-store-" + Guid.NewGuid().ToString("N"));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            PlasmaClient.ConnectAsync(nowhere, new PlasmaClientOptions { ConnectAttempts = 1000 }, cts.Token));
    }

    [Theory, OurStore, RealStore]
    public void Connect_with_a_name_and_quota_sends_SetOptions(StoreKind store)
    {
        using (PlasmaClient client = _stores.Connect(store, new PlasmaClientOptions { ClientName = "quota-client", OutputMemoryQuota = 1 << 20 }))
            Assert.Equal(StoreFixture.Capacity, client.Capacity);
        // A quota that would leave less than 30 % of the store to everyone else is refused.
        Assert.Throws<StoreFullException>(() =>
            _stores.Connect(store, new PlasmaClientOptions { ClientName = "greedy", OutputMemoryQuota = StoreFixture.Capacity * 9 / 10 }));
    }

    [Theory, OurStore, RealStore]
    public void A_name_without_a_quota_still_puts(StoreKind store)
    {
        // Both stores take SetOptions with a quota of 0 as "nothing fits"; a name alone sends none.
        using PlasmaClient client = _stores.Connect(store, new PlasmaClientOptions { ClientName = "named-only" });
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, new byte[1000]);
        Assert.True(client.Contains(id));
        client.Delete(id);
    }

    [Theory, OurStore, RealStore]
    public void Concurrent_use_from_many_threads_is_safe(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            ObjectId id = ObjectId.NewRandom();
            byte[] data = TestData.Bytes(i * 10, i);
            client.Put(id, data);
            using (PlasmaObject? obj = client.Get(id, TimeSpan.FromSeconds(5)))
                Assert.True(obj!.Data.Span.SequenceEqual(data));
            Assert.Equal(DeleteResult.Deleted, client.Delete(id));
        });
    }
}
