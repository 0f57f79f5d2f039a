namespace PlasmaSharp.Tests;

/// <summary>Every exception type, provoked for real against a store.</summary>
public class ErrorTests : IClassFixture<StoreFixture>
{
    private readonly StoreFixture _stores;

    public ErrorTests(StoreFixture stores) => _stores = stores;

    [Theory, OurStore, RealStore]
    public void Creating_an_existing_id_throws_ObjectExistsException(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, "x"u8);
        var e = Assert.Throws<ObjectExistsException>(() => client.Put(id, "y"u8));
        Assert.Equal(PlasmaErrorCode.ObjectExists, e.ErrorCode);
        Assert.Contains(id.ToString(), e.Message);
        Assert.Throws<ObjectExistsException>(() => client.Create(id, 100 * 1024).Dispose());
        using WritablePlasmaObject open = client.Create(ObjectId.NewRandom(), 1);
        Assert.Throws<ObjectExistsException>(() => client.Create(open.Id, 1).Dispose());
    }

    [Theory, OurStore, RealStore]
    public void Missing_objects_throw_ObjectNotFoundException(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        Assert.Throws<ObjectNotFoundException>(() => client.Hash(id));
        Assert.Throws<ObjectNotFoundException>(() => client.DeleteOrThrow(id));
    }

    [Theory, OurStore, RealStore]
    public void Too_big_an_object_throws_StoreFullException_not_OutOfMemoryException(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        var e = Assert.Throws<StoreFullException>(() => client.Create(ObjectId.NewRandom(), StoreFixture.Capacity * 2).Dispose());
        Assert.IsNotType<OutOfMemoryException>(e);
        Assert.Contains("capacity", e.Message);
    }

    [Theory, OurStore, RealStore]
    public void Deleting_a_held_object_throws_ObjectInUseException(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        using PlasmaClient other = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, "x"u8);
        using PlasmaObject? held = other.Get(id, TimeSpan.Zero);
        Assert.Throws<ObjectInUseException>(() => client.DeleteOrThrow(id));
    }

    [Theory, OurStore, RealStore]
    public void Deleting_an_unsealed_object_throws_ObjectNotSealedException(StoreKind store)
    {
        using PlasmaClient creator = _stores.Connect(store);
        using PlasmaClient other = _stores.Connect(store);
        using WritablePlasmaObject open = creator.Create(ObjectId.NewRandom(), 4);
        Assert.Throws<ObjectNotSealedException>(() => other.DeleteOrThrow(open.Id));
    }

    [Fact]
    public void Connecting_to_nothing_throws_PlasmaConnectionException()
    {
        string nowhere = Path.Combine(Path.GetTempPath(), "no-store-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<PlasmaConnectionException>(() =>
            PlasmaClient.Connect(nowhere, new PlasmaClientOptions { ConnectAttempts = 1 }));
        Assert.Contains(nowhere, e.Message);
    }

    [Theory, OurStore, RealStore]
    public void Calls_after_Disconnect_throw_PlasmaConnectionException(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        client.Disconnect();
        var e = Assert.Throws<PlasmaConnectionException>(() => client.Contains(ObjectId.NewRandom()));
        Assert.Equal(PlasmaErrorCode.Disconnected, e.ErrorCode);
    }

    [Theory, OurStore, RealStore]
    public async Task A_store_that_goes_away_gives_PlasmaConnectionException(StoreKind store)
    {
        await using PlasmaStore own = await TestStores.StartAsync(store, 1 << 20);
        using PlasmaClient client = PlasmaClient.Connect(own.SocketPath);
        await own.StopAsync();
        Assert.Throws<PlasmaConnectionException>(() => client.Put(ObjectId.NewRandom(), "x"u8));
    }

    [Fact]
    public async Task A_peer_that_is_not_a_plasma_store_gives_PlasmaProtocolException()
    {
        // A socket that answers the Connect handshake with a well-framed message of the wrong type.
        string dir = Directory.CreateTempSubdirectory("plasma-bad-").FullName;
        string path = Path.Combine(dir, "bad.sock");
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix,
            System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        listener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        Task server = Task.Run(async () =>
        {
            using var peer = await listener.AcceptAsync();
            var header = new byte[24];
            int got = 0;
            while (got < 24) got += await peer.ReceiveAsync(header.AsMemory(got));
            long length = BitConverter.ToInt64(header, 16);
            var payload = new byte[length];
            got = 0;
            while (got < length) got += await peer.ReceiveAsync(payload.AsMemory(got));
            // version 0, type 16 (ContainsReply) instead of 20 (ConnectReply), 4 junk bytes
            var reply = new byte[28];
            BitConverter.GetBytes(16L).CopyTo(reply, 8);
            BitConverter.GetBytes(4L).CopyTo(reply, 16);
            await peer.SendAsync(reply);
            await Task.Delay(500);
        });
        try
        {
            Assert.Throws<PlasmaProtocolException>(() => PlasmaClient.Connect(path, new PlasmaClientOptions { ConnectAttempts = 1 }));
        }
        finally
        {
            await server;
            Directory.Delete(dir, true);
        }
    }

    [Theory, OurStore, RealStore]
    public void Using_a_disposed_client_or_object_throws_ObjectDisposedException(StoreKind store)
    {
        PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, "data"u8);
        PlasmaObject obj = client.Get(id, TimeSpan.Zero)!;
        ReadOnlyMemory<byte> data = obj.Data;
        obj.Dispose();
        Assert.True(obj.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => data.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => obj.Data.Span[0]);
        Assert.Throws<ObjectDisposedException>(() => obj.OpenDataStream());
        Assert.Throws<ObjectDisposedException>(() => data.Pin());
        client.Dispose();
        Assert.Throws<ObjectDisposedException>(() => client.Contains(id));
    }

    [Theory, OurStore, RealStore]
    public void Get_of_an_own_unsealed_object_is_an_ArgumentException(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        using WritablePlasmaObject open = client.Create(ObjectId.NewRandom(), 4);
        Assert.Throws<ArgumentException>(() => client.Get(open.Id, TimeSpan.Zero));
    }
}
