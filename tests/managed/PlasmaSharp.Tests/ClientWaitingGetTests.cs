namespace PlasmaSharp.Tests;

/// <summary>One PlasmaClient shared by threads while one of them waits in a Get: the others' calls
/// do not wait for it (issue 18 item 3). "Did not wait" is that the Get is still running when the
/// other call returned - an order, not a timing; the bench measures the speed.</summary>
public class ClientWaitingGetTests : IClassFixture<StoreFixture>
{
    private readonly StoreFixture _stores;

    public ClientWaitingGetTests(StoreFixture stores) => _stores = stores;

    /// <summary>Starts client.Get([missing, marker], timeout) on another thread and returns once the
    /// store has registered that Get: the marker, sealed by the writer and held by nobody, shows
    /// ref count 1.</summary>
    private static Task<PlasmaObject?[]> StartWaitingGet(PlasmaClient client, PlasmaClient writer, ObjectId missing,
                                                        TimeSpan timeout)
    {
        ObjectId marker = ObjectId.NewRandom();
        writer.Put(marker, "marker"u8);
        Task<PlasmaObject?[]> get = Task.Factory.StartNew(() => client.Get(new[] { missing, marker }, timeout),
                                                           TaskCreationOptions.LongRunning);
        Assert.True(TestData.Eventually(() => writer.Info(marker)?.RefCount == 1), "the store never saw the waiting Get");
        return get;
    }

    [Theory, OurStore, RealStore]
    public void A_1_KiB_Put_completes_while_another_thread_of_the_client_waits_in_a_5_s_Get(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        using PlasmaClient writer = _stores.Connect(store);
        ObjectId missing = ObjectId.NewRandom();
        Task<PlasmaObject?[]> waiting = StartWaitingGet(client, writer, missing, TimeSpan.FromSeconds(5));

        ObjectId put = ObjectId.NewRandom();
        client.Put(put, TestData.Bytes(1024));
        Assert.False(waiting.IsCompleted, "the Put returned only after the waiting Get had");
        using (PlasmaObject? read = client.Get(put, TimeSpan.Zero))
            Assert.Equal(1024, read!.DataLength);
        Assert.False(waiting.IsCompleted);

        // The waiting Get still gets its object, through its own reply.
        writer.Put(missing, "late"u8);
        PlasmaObject?[] got = waiting.Result;
        try
        {
            Assert.NotNull(got[0]);
            Assert.Equal("late"u8.ToArray(), got[0]!.Data.ToArray());
        }
        finally
        {
            foreach (PlasmaObject? o in got) o?.Dispose();
        }
    }
}
