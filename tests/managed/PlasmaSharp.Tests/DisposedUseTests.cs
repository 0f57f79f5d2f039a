using System.Reflection;

namespace PlasmaSharp.Tests;

/// <summary>After Dispose, every public member of the four disposable types throws ObjectDisposedException.
/// Reflection checks that each public member has a case below (many take spans, which reflection cannot
/// pass), so a member added later without a case fails <see cref="Every_public_member_has_a_case"/>.</summary>
public class DisposedUseTests : IClassFixture<StoreFixture>
{
    private readonly StoreFixture _stores;

    public DisposedUseTests(StoreFixture stores) => _stores = stores;

    // Members that legitimately work after Dispose.
    private static readonly string[] Exempt = ["Dispose()", "get_IsDisposed()", "ToString()"];

    private static readonly Dictionary<string, Func<PlasmaClient, object?>> ClientCases = new()
    {
        ["get_SocketPath()"] = c => c.SocketPath,
        ["get_Capacity()"] = c => c.Capacity,
        ["Disconnect()"] = c => { c.Disconnect(); return null; },
        ["GetDebugString()"] = c => c.GetDebugString(),
        ["GetStoreStats(Boolean)"] = c => c.GetStoreStats(),
        ["List()"] = c => c.List(),
        ["Evict(Int64)"] = c => c.Evict(1),
        ["Create(ObjectId,Int64,ReadOnlySpan`1)"] = c => c.Create(ObjectId.NewRandom(), 1),
        ["Put(ObjectId,ReadOnlySpan`1,ReadOnlySpan`1)"] = c => { c.Put(ObjectId.NewRandom(), "x"u8); return null; },
        ["PutBatch(IReadOnlyList`1)"] = c => { c.PutBatch([]); return null; },
        ["Contains(ObjectId)"] = c => c.Contains(ObjectId.NewRandom()),
        ["Delete(ObjectId)"] = c => c.Delete(ObjectId.NewRandom()),
        ["Delete(ReadOnlySpan`1)"] = c => c.Delete(ReadOnlySpan<ObjectId>.Empty),
        ["DeleteOrThrow(ObjectId)"] = c => { c.DeleteOrThrow(ObjectId.NewRandom()); return null; },
        ["Refresh(ReadOnlySpan`1)"] = c => { c.Refresh(ReadOnlySpan<ObjectId>.Empty); return null; },
        ["Hash(ObjectId)"] = c => c.Hash(ObjectId.NewRandom()),
        ["Get(ObjectId,TimeSpan)"] = c => c.Get(ObjectId.NewRandom(), TimeSpan.Zero),
        ["Get(ReadOnlySpan`1,TimeSpan)"] = c => c.Get(ReadOnlySpan<ObjectId>.Empty, TimeSpan.Zero),
        ["GetAsync(ObjectId,TimeSpan,CancellationToken)"] = c => c.GetAsync(ObjectId.NewRandom(), TimeSpan.Zero),
        ["GetAsync(IReadOnlyList`1,TimeSpan,CancellationToken)"] = c => c.GetAsync([], TimeSpan.Zero),
        ["Subscribe()"] = c => c.Subscribe(),
    };

    private static readonly Dictionary<string, Func<PlasmaObject, object?>> ObjectCases = new()
    {
        ["get_Id()"] = o => o.Id,
        ["get_Data()"] = o => o.Data,
        ["get_Metadata()"] = o => o.Metadata,
        ["get_DataLength()"] = o => o.DataLength,
        ["get_MetadataLength()"] = o => o.MetadataLength,
        ["GetDataChunks(Int32)"] = o => o.GetDataChunks(),
        ["OpenDataStream()"] = o => o.OpenDataStream(),
        ["DangerousGetDataPointer()"] = o => o.DangerousGetDataPointer(),
    };

    private static readonly Dictionary<string, Func<WritablePlasmaObject, object?>> WritableCases = new()
    {
        ["get_Id()"] = w => w.Id,
        ["get_Data()"] = w => w.Data,
        ["get_Span()"] = w => w.Span.Length,
        ["get_Metadata()"] = w => w.Metadata,
        ["get_DataLength()"] = w => w.DataLength,
        ["get_IsSealed()"] = w => w.IsSealed,
        ["GetDataChunks(Int32)"] = w => w.GetDataChunks(),
        ["OpenDataStream()"] = w => w.OpenDataStream(),
        ["DangerousGetDataPointer()"] = w => w.DangerousGetDataPointer(),
        ["Seal()"] = w => { w.Seal(); return null; },
        ["WriteAndSeal(ReadOnlySpan`1)"] = w => { w.WriteAndSeal("abcd"u8); return null; },
        ["Abort()"] = w => { w.Abort(); return null; },
    };

    private static readonly Dictionary<string, Func<PlasmaSubscription, object?>> SubscriptionCases = new()
    {
        ["TryRead(TimeSpan)"] = s => s.TryRead(TimeSpan.Zero),
        ["ReadAsync(CancellationToken)"] = s => s.ReadAsync(),
        ["GetAsyncEnumerator(CancellationToken)"] = s => s.GetAsyncEnumerator(),
        ["get_FileDescriptor()"] = s => s.FileDescriptor,
    };

    private static string Signature(MethodInfo m) => $"{m.Name}({string.Join(",", m.GetParameters().Select(p => p.ParameterType.Name))})";

    private static IEnumerable<string> PublicInstanceMembers(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Select(Signature);

    [Theory]
    [InlineData(typeof(PlasmaClient))]
    [InlineData(typeof(PlasmaObject))]
    [InlineData(typeof(WritablePlasmaObject))]
    [InlineData(typeof(PlasmaSubscription))]
    public void Every_public_member_has_a_case(Type type)
    {
        IEnumerable<string> cases = type == typeof(PlasmaClient) ? ClientCases.Keys
            : type == typeof(PlasmaObject) ? ObjectCases.Keys
            : type == typeof(WritablePlasmaObject) ? WritableCases.Keys
            : SubscriptionCases.Keys;
        Assert.Equal(PublicInstanceMembers(type).Except(Exempt).Order(), cases.Order());
    }

    /// <summary>Runs the call; a returned Task is awaited (async members may report through it).</summary>
    private static async Task AssertDisposed<T>(T target, string name, Func<T, object?> call)
    {
        Exception? thrown = null;
        try
        {
            object? result = call(target);
            if (result is Task task) await task;
            if (result is IDisposable disposable) disposable.Dispose();
        }
        catch (Exception e)
        {
            thrown = e;
        }
        Assert.True(thrown is ObjectDisposedException, $"{typeof(T).Name}.{name} after Dispose: {thrown?.GetType().Name ?? "no exception"}");
    }

    [Theory, OurStore, RealStore]
    public async Task A_disposed_client_throws_from_every_member(StoreKind store)
    {
        PlasmaClient client = _stores.Connect(store);
        client.Dispose();
        foreach ((string name, Func<PlasmaClient, object?> call) in ClientCases) await AssertDisposed(client, name, call);
        client.Dispose(); // still harmless
    }

    [Theory, OurStore, RealStore]
    public async Task A_disposed_PlasmaObject_throws_from_every_member_and_so_do_its_earlier_views(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, "data"u8, "meta"u8);
        PlasmaObject obj = client.Get(id, TimeSpan.Zero)!;
        ReadOnlyMemory<byte> data = obj.Data, metadata = obj.Metadata;
        IEnumerable<ReadOnlyMemory<byte>> chunks = obj.GetDataChunks(2);
        obj.Dispose();
        Assert.True(obj.IsDisposed);
        Assert.Contains("disposed", obj.ToString());
        foreach ((string name, Func<PlasmaObject, object?> call) in ObjectCases) await AssertDisposed(obj, name, call);
        Assert.Throws<ObjectDisposedException>(() => data.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => metadata.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => chunks.First().Span.Length);
        Assert.Equal(0, client.Info(id)!.RefCount);
    }

    [Theory, OurStore, RealStore]
    public async Task A_disposed_WritablePlasmaObject_throws_from_every_member(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        WritablePlasmaObject open = client.Create(id, 4, "m"u8);
        Memory<byte> data = open.Data;
        open.Dispose();
        Assert.True(open.IsDisposed);
        foreach ((string name, Func<WritablePlasmaObject, object?> call) in WritableCases) await AssertDisposed(open, name, call);
        Assert.Throws<ObjectDisposedException>(() => data.Span.Length);
        Assert.Null(client.Info(id)); // disposed unsealed = aborted
    }

    [Theory, OurStore, RealStore]
    public async Task An_aborted_WritablePlasmaObject_counts_as_disposed(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        WritablePlasmaObject open = client.Create(ObjectId.NewRandom(), 4);
        open.Abort();
        Assert.True(open.IsDisposed);
        foreach ((string name, Func<WritablePlasmaObject, object?> call) in WritableCases) await AssertDisposed(open, name, call);
    }

    [Theory, OurStore, RealStore]
    public async Task Disposed_but_still_pinned_objects_refuse_use_through_the_object(StoreKind store)
    {
        // A pin keeps the native reference (and the SafeHandle open); the object must still count as disposed.
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        WritablePlasmaObject open = client.Create(id, 4);
        System.Buffers.MemoryHandle pin = open.Data.Pin();
        open.Dispose();
        foreach ((string name, Func<WritablePlasmaObject, object?> call) in WritableCases) await AssertDisposed(open, name, call);
        Assert.NotNull(client.Info(id)); // the pin still holds it
        pin.Dispose();
        Assert.True(TestData.Eventually(() => client.Info(id) is null)); // last holder gone: aborted
    }

    [Theory, OurStore, RealStore]
    public async Task A_disposed_subscription_throws_from_every_member(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        PlasmaSubscription subscription = client.Subscribe();
        subscription.Dispose();
        foreach ((string name, Func<PlasmaSubscription, object?> call) in SubscriptionCases) await AssertDisposed(subscription, name, call);
        subscription.Dispose();
    }
}
