using System.Runtime.CompilerServices;

namespace PlasmaSharp.Tests;

public class LifetimeTests : IClassFixture<StoreFixture>
{
    private readonly StoreFixture _stores;

    public LifetimeTests(StoreFixture stores) => _stores = stores;

    [Theory, OurStore, RealStore]
    public void Ref_count_follows_Get_and_Dispose(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, "x"u8);
        Assert.Equal(0, client.Info(id)!.RefCount);
        PlasmaObject a = client.Get(id, TimeSpan.Zero)!;
        PlasmaObject b = client.Get(id, TimeSpan.Zero)!;
        Assert.Equal(1, client.Info(id)!.RefCount); // one reference per connection
        a.Dispose();
        Assert.Equal(1, client.Info(id)!.RefCount); // b still holds it
        Assert.Equal("x"u8.ToArray(), b.Data.ToArray());
        b.Dispose();
        Assert.Equal(0, client.Info(id)!.RefCount);
        a.Dispose(); // twice is harmless
    }

    [Theory, OurStore, RealStore]
    public void Objects_stay_readable_after_their_client_is_disposed(StoreKind store)
    {
        PlasmaClient client = _stores.Connect(store);
        using PlasmaClient observer = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, "survives"u8);
        using PlasmaObject obj = client.Get(id, TimeSpan.Zero)!;
        client.Dispose();
        Assert.Equal("survives"u8.ToArray(), obj.Data.ToArray());
        Assert.True(TestData.Eventually(() => observer.Info(id)!.RefCount == 0)); // released with the connection
    }

    [Theory, OurStore, RealStore]
    public void Forgotten_objects_are_released_by_the_finalizer(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, "x"u8);
        GetAndForget(client, id);
        Assert.Equal(1, client.Info(id)!.RefCount);
        // The finalizer hands the release to the thread pool: poll until the store saw it.
        Assert.True(TestData.Eventually(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return client.Info(id)!.RefCount == 0;
        }));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void GetAndForget(PlasmaClient client, ObjectId id)
    {
        PlasmaObject obj = client.Get(id, TimeSpan.Zero)!;
        Assert.Equal(1, obj.Data.Length);
    }

    [Theory, OurStore, RealStore]
    public void Forgotten_unsealed_objects_are_aborted_by_the_finalizer(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        CreateAndForget(client, id);
        Assert.True(TestData.Eventually(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return client.Info(id) is null;
        }));
    }

    [Theory, OurStore, RealStore]
    public void Finalizers_are_not_blocked_by_a_Get_waiting_on_the_same_client(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        using PlasmaClient writer = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom(), late = ObjectId.NewRandom();
        client.Put(id, "x"u8);
        GetAndForget(client, id);
        // Another thread holds the connection in a long Get...
        Task<PlasmaObject?> waiting = Task.Factory.StartNew(() => client.Get(late, TimeSpan.FromSeconds(30)), TaskCreationOptions.LongRunning);
        Thread.Sleep(100);
        // ...and the process's finalizer thread still completes.
        GC.Collect();
        Assert.True(Task.Run(GC.WaitForPendingFinalizers).Wait(TimeSpan.FromSeconds(10)), "the finalizer thread is stuck");
        writer.Put(late, "late"u8);
        using PlasmaObject? got = waiting.Result;
        Assert.NotNull(got);
        Assert.True(TestData.Eventually(() => writer.Info(id)!.RefCount == 0));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CreateAndForget(PlasmaClient client, ObjectId id) => client.Create(id, 16);

    [Theory, OurStore, RealStore]
    public void A_pinned_view_keeps_the_object_referenced_past_Dispose(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, "pin"u8);
        PlasmaObject obj = client.Get(id, TimeSpan.Zero)!;
        System.Buffers.MemoryHandle pin = obj.Data.Pin();
        obj.Dispose();
        Assert.Equal(1, client.Info(id)!.RefCount); // still mapped and referenced while pinned
        Assert.Throws<ObjectDisposedException>(() => obj.Data.Span.Length);
        pin.Dispose();
        Assert.Equal(0, client.Info(id)!.RefCount);
    }

    [Theory, OurStore, RealStore]
    public void Streams_hold_their_own_reference(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, "streamed"u8);
        PlasmaObject obj = client.Get(id, TimeSpan.Zero)!;
        Stream stream = obj.OpenDataStream();
        obj.Dispose();
        Assert.Equal(1, client.Info(id)!.RefCount);
        Assert.Equal("streamed", new StreamReader(stream).ReadToEnd());
        stream.Dispose();
        Assert.Equal(0, client.Info(id)!.RefCount);
    }

    [Theory, OurStore, RealStore]
    public void Ten_thousand_put_get_cycles_leak_nothing(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        byte[] data = TestData.Bytes(4096);
        // 10k keeps the suite fast; PLASMASHARP_LEAK_CYCLES=100000 runs the long version.
        int cycles = int.TryParse(Environment.GetEnvironmentVariable("PLASMASHARP_LEAK_CYCLES"), out int n) ? n : 10_000;
        for (int i = 0; i < cycles; i++)
        {
            ObjectId id = ObjectId.NewRandom();
            client.Put(id, data);
            using (PlasmaObject obj = client.Get(id, TimeSpan.Zero)!)
                Assert.Equal(data.Length, obj.Data.Length);
            Assert.Equal(DeleteResult.Deleted, client.Delete(id));
        }
        Assert.DoesNotContain(client.List(), info => info.RefCount != 0);
        // Nothing stayed allocated: almost the whole store can be taken in one piece, without eviction.
        using PlasmaClient strict = _stores.Connect(store, new PlasmaClientOptions { EvictIfFull = false });
        using (WritablePlasmaObject big = strict.Create(ObjectId.NewRandom(), StoreFixture.Capacity / 2)) { }
    }
}

public class DisposeOrderTests : IClassFixture<StoreFixture>
{
    private readonly StoreFixture _stores;

    public DisposeOrderTests(StoreFixture stores) => _stores = stores;

    [Theory, OurStore, RealStore]
    public void A_writable_object_outliving_its_client_can_still_be_disposed(StoreKind store)
    {
        using PlasmaClient observer = _stores.Connect(store);
        PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        WritablePlasmaObject open = client.Create(id, 16);
        open.Span.Fill(7); // still mapped
        client.Dispose();
        Assert.Equal(7, open.Span[15]);
        open.Dispose(); // abort on a closed connection: must not throw
        // The store dropped the unsealed object with the connection.
        Assert.True(TestData.Eventually(() => observer.Info(id) is null));
    }

    [Theory, OurStore, RealStore]
    public void Subscription_and_objects_disposed_after_the_client_do_not_fail(StoreKind store)
    {
        PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, "x"u8);
        PlasmaSubscription subscription = client.Subscribe();
        PlasmaObject obj = client.Get(id, TimeSpan.Zero)!;
        client.Dispose();
        subscription.Dispose();
        Assert.Equal("x"u8.ToArray(), obj.Data.ToArray());
        obj.Dispose();
        Assert.Throws<ObjectDisposedException>(() => subscription.TryRead(TimeSpan.Zero));
    }

    [Theory, OurStore, RealStore]
    public void Batches_outlive_their_client_and_release_through_the_store_connection_close(StoreKind store)
    {
        using PlasmaClient observer = _stores.Connect(store);
        PlasmaClient client = _stores.Connect(store);
        using Apache.Arrow.RecordBatch source = ArrowTests.AllTypesBatch(4);
        ObjectId id = ObjectId.NewRandom();
        PlasmaSharp.Arrow.PlasmaArrowExtensions.PutRecordBatch(client, id, source);
        Apache.Arrow.RecordBatch[] batches = PlasmaSharp.Arrow.PlasmaArrowExtensions.GetRecordBatches(client, id, TimeSpan.Zero)!;
        client.Dispose();
        ArrowTests.AssertSameBatch(source, batches[0]); // the mapping outlives the connection
        batches[0].Dispose();
        Assert.True(TestData.Eventually(() => observer.Info(id)!.RefCount == 0));
    }

    [Theory, OurStore, RealStore]
    public void WriteAndSeal_checks_the_length_and_seals(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        using WritablePlasmaObject w = client.Create(id, 4);
        Assert.Throws<ArgumentException>(() => w.WriteAndSeal("abc"u8));
        w.WriteAndSeal("abcd"u8);
        Assert.True(w.IsSealed);
        Assert.Throws<InvalidOperationException>(() => w.Abort());
        using PlasmaObject r = client.Get(id, TimeSpan.Zero)!;
        Assert.Equal("abcd"u8.ToArray(), r.Data.ToArray());
    }
}
