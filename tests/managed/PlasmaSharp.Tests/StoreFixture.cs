namespace PlasmaSharp.Tests;

/// <summary>A real plasma-store child process on a fresh temporary socket, one per test class.</summary>
public sealed class StoreFixture : IAsyncLifetime
{
    public const long Capacity = 64L << 20;

    public PlasmaStore Store { get; private set; } = null!;

    public string SocketPath => Store.SocketPath;

    public async Task InitializeAsync() => Store = await PlasmaStore.StartAsync(Capacity);

    public async Task DisposeAsync() => await Store.DisposeAsync();

    public PlasmaClient Connect(PlasmaClientOptions? options = null) => PlasmaClient.Connect(SocketPath, options);
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
