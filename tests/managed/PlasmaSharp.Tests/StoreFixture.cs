namespace PlasmaSharp.Tests;

/// <summary>One test class's stores: our plasma-store and, where it is available, the real Arrow 11
/// plasma-store-server, each a child process on a fresh temporary socket with the same capacity.</summary>
public sealed class StoreFixture : IAsyncLifetime
{
    public const long Capacity = 64L << 20;

    private PlasmaStore? _ours, _real;

    public async Task InitializeAsync()
    {
        _ours = await TestStores.StartAsync(StoreKind.Ours, Capacity);
        if (TestStores.RealStoreSkipReason is null) _real = await TestStores.StartAsync(StoreKind.Real, Capacity);
    }

    public async Task DisposeAsync()
    {
        if (_ours is not null) await _ours.DisposeAsync();
        if (_real is not null) await _real.DisposeAsync();
    }

    /// <summary>The running store of <paramref name="kind"/>; fails with the store's output when it died
    /// (the real store aborts on some client mistakes, which would otherwise surface as odd errors later).</summary>
    public PlasmaStore Store(StoreKind kind)
    {
        PlasmaStore store = (kind == StoreKind.Ours ? _ours : _real)
            ?? throw new InvalidOperationException(TestStores.RealStoreSkipReason);
        if (!store.IsRunning) Assert.Fail($"the {kind} store died earlier in this class; its output:\n{store.Output}");
        return store;
    }

    public string SocketPath(StoreKind kind) => Store(kind).SocketPath;

    public PlasmaClient Connect(StoreKind kind, PlasmaClientOptions? options = null) => PlasmaClient.Connect(SocketPath(kind), options);
}

internal static class TestData
{
    public static byte[] Bytes(int length, int seed = 1)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Polls <paramref name="condition"/> for up to 10 s (for effects the store applies
    /// asynchronously, e.g. after another connection closed); returns its last value.</summary>
    public static bool Eventually(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10)) return false;
            Thread.Sleep(10);
        }
        return true;
    }

    /// <summary>The store's view of one object (List), or null when it is gone.</summary>
    public static ObjectInfo? Info(this PlasmaClient client, ObjectId id) => client.List().SingleOrDefault(i => i.Id == id);
}
