namespace PlasmaSharp.Tests;

/// <summary>Mistakes a caller can make through the API: each gets the same answer on both stores, and
/// none reaches the real store as a message it aborts on (a second Seal, a Release of an object not
/// held: see tests/STORES.md) - so every test ends by checking the store still serves.</summary>
public class MisuseTests : IClassFixture<StoreFixture>
{
    private readonly StoreFixture _stores;

    public MisuseTests(StoreFixture stores) => _stores = stores;

    private void AssertStoreStillServes(StoreKind store)
    {
        using PlasmaClient probe = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        probe.Put(id, "alive"u8);
        using PlasmaObject obj = probe.Get(id, TimeSpan.Zero)!;
        Assert.Equal("alive"u8.ToArray(), obj.Data.ToArray());
    }

    [Theory, OurStore, RealStore]
    public void The_same_id_twice_in_one_Get_gives_two_views_and_one_reference(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom(), missing = ObjectId.NewRandom();
        client.Put(id, "twice"u8);
        PlasmaObject?[] got = client.Get([id, id, missing, missing], TimeSpan.FromMilliseconds(20));
        Assert.Equal("twice"u8.ToArray(), got[0]!.Data.ToArray());
        Assert.Equal(got[0]!.DangerousGetDataPointer(), got[1]!.DangerousGetDataPointer());
        Assert.Null(got[2]);
        Assert.Null(got[3]);
        Assert.Equal(1, client.Info(id)!.RefCount);
        foreach (PlasmaObject? o in got) o?.Dispose();
        Assert.Equal(0, client.Info(id)!.RefCount);
        AssertStoreStillServes(store);
    }

    [Theory, OurStore, RealStore]
    public void The_same_id_twice_in_one_Delete_is_deleted_then_not_found(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, "x"u8);
        Assert.Equal([DeleteResult.Deleted, DeleteResult.NotFound], client.Delete([id, id]));
        AssertStoreStillServes(store);
    }

    [Theory, OurStore, RealStore]
    public void The_same_id_twice_in_one_PutBatch_creates_nothing(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        Assert.Throws<ObjectExistsException>(() =>
            client.PutBatch([new PlasmaPutItem(id, new byte[] { 1 }), new PlasmaPutItem(id, new byte[] { 2 })]));
        Assert.False(client.Contains(id));
        Assert.Null(client.Info(id));
        AssertStoreStillServes(store);
    }

    [Theory, OurStore, RealStore]
    public void Sealing_twice_aborting_a_sealed_object_and_disposing_twice_are_answered_by_the_client(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        WritablePlasmaObject w = client.Create(id, 4);
        w.WriteAndSeal("abcd"u8);
        Assert.Throws<ObjectExistsException>(() => w.Seal());
        Assert.Throws<InvalidOperationException>(() => w.Abort());
        w.Dispose();
        w.Dispose();
        Assert.Equal(0, client.Info(id)!.RefCount);
        AssertStoreStillServes(store);
    }

    [Theory, OurStore, RealStore]
    public void Another_clients_unsealed_object_cannot_be_created_deleted_or_hashed(StoreKind store)
    {
        using PlasmaClient creator = _stores.Connect(store);
        using PlasmaClient other = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        using (WritablePlasmaObject open = creator.Create(id, 4))
        {
            Assert.Throws<ObjectExistsException>(() => other.Create(id, 4).Dispose());
            Assert.Equal(DeleteResult.DeferredNotSealed, other.Delete(id));
            Assert.Throws<ObjectNotFoundException>(() => other.Hash(id));
            other.Refresh([id]); // no effect, no error
        }
        Assert.Null(creator.Info(id)); // disposed unsealed = aborted
        AssertStoreStillServes(store);
    }
}
