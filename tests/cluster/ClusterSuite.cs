using System.Diagnostics;
using PlasmaSharp.TestSupport;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>Every cluster test runs in this one collection, one at a time: each starts several
/// processes and some measure how fast the table follows the stores, so they must not compete.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterSuite : ICollectionFixture<SuiteClock>
{
    public const string Name = "cluster";
}

/// <summary>Prints the suite's wall time when it ends (shown by the test runner: xunit.runner.json
/// turns diagnostic messages on).</summary>
public sealed class SuiteClock(IMessageSink sink) : IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public void Dispose() => sink.OnMessage(new DiagnosticMessage($"suite cluster: {_clock.Elapsed.TotalSeconds:F0} s wall"));
}

/// <summary>A test's own Redis and temp dir, removed after it.</summary>
public abstract class ClusterTestBase : IAsyncLifetime
{
    protected RedisServer Redis { get; private set; } = null!;
    protected string TempDir { get; } = Directory.CreateTempSubdirectory("psc-").FullName;
    protected List<NodeProcess> Nodes { get; } = [];
    protected List<PlasmaStore> Stores { get; } = [];
    private PlasmaCluster? _cluster;

    /// <summary>A reader connected to this test's Redis.</summary>
    protected PlasmaCluster Cluster => _cluster ??= PlasmaCluster.Connect(Redis.Connection);

    /// <summary>The password this test's Redis requires (none by default).</summary>
    protected virtual string? RedisPassword => null;

    public virtual Task InitializeAsync()
    {
        Redis = RedisServer.Start(RedisPassword);
        return Task.CompletedTask;
    }

    public virtual async Task DisposeAsync()
    {
        foreach (NodeProcess node in Nodes) await node.DisposeAsync();
        foreach (PlasmaStore store in Stores) await store.StopAsync();
        if (_cluster is not null) await _cluster.DisposeAsync();
        Redis.Dispose();
        try
        {
            Directory.Delete(TempDir, recursive: true);
        }
        catch (IOException) { }
    }

    protected Task<NodeProcess[]> StartNodesAsync(params string[] ids) => StartNodesWithMemoryAsync("64M", ids);

    /// <summary>Node processes with stores of <paramref name="memory"/> each, registered.</summary>
    protected async Task<NodeProcess[]> StartNodesWithMemoryAsync(string memory, params string[] ids)
    {
        NodeProcess[] started = ids.Select(id => NodeProcess.StartWithStore(Redis.Connection, id, TempDir, memory)).ToArray();
        Nodes.AddRange(started);
        await Task.WhenAll(started.Select(n => n.WaitRegisteredAsync()));
        return started;
    }

    /// <summary>Polls <paramref name="condition"/> every 10 ms; returns how long it took to hold.</summary>
    protected static async Task<TimeSpan> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"{what}: not within {timeout.TotalSeconds:0.#} s");
            await Task.Delay(10);
        }
        return clock.Elapsed;
    }

    /// <summary>A PlasmaCluster that pulls into <paramref name="node"/>'s store, as a process beside it would.</summary>
    protected PlasmaCluster Beside(NodeProcess node, RecordingLogger? log = null, string? token = null)
    {
        var options = new PlasmaClusterOptions { StoreSocket = node.StoreSocket, NodeId = node.Id, Logger = log ?? new RecordingLogger() };
        options.Transfer.Token = token;
        return PlasmaCluster.Connect(Redis.Connection, options);
    }

    /// <summary>Nodes a and b (stores of <paramref name="memory"/>); an object of <paramref name="size"/>
    /// pseudo-random bytes put on a and located there.</summary>
    protected async Task<(NodeProcess A, NodeProcess B, ObjectId Id, byte[] Data)> ObjectOnATwoNodesAsync(
        long size, int seed, byte[] metadata, string memory = "64M")
    {
        NodeProcess[] nodes = await StartNodesWithMemoryAsync(memory, "a", "b");
        var id = ObjectId.NewRandom();
        byte[] data = TestObjects.Bytes(size, seed);
        TestObjects.Put(nodes[0].StoreSocket!, id, data, metadata);
        await WaitUntilAsync(() => IsOnAsync(id, "a"), TimeSpan.FromSeconds(10), "object on a");
        return (nodes[0], nodes[1], id, data);
    }

    protected async Task<bool> IsOnAsync(ObjectId id, params string[] nodes)
    {
        var found = (await Cluster.LocateAsync(id)).Select(l => l.NodeId).Order(StringComparer.Ordinal).ToArray();
        return found.SequenceEqual(nodes.Order(StringComparer.Ordinal));
    }
}

/// <summary>A fact that needs the real Arrow 11 store: skipped, with the reason, where it is absent.</summary>
public sealed class RealStoreFactAttribute : FactAttribute
{
    public RealStoreFactAttribute()
    {
        if (Arrow11Environment.SkipReason("real Arrow 11 store", "plasma-store-server") is { } reason) Skip = reason;
    }

    public static string Executable => Arrow11Environment.PathOf("plasma-store-server");
}
