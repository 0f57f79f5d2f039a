using System.Diagnostics;
using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace PlasmaSharp.Cluster;

/// <summary>Reads the cluster's tables: which nodes are alive and where each object lives. Only
/// live nodes (heartbeat within their TTL) are ever returned; dead nodes a call comes across are
/// removed from the tables in the background ("whoever notices"). Thread-safe; dispose when done.</summary>
public sealed partial class PlasmaCluster : IAsyncDisposable, IDisposable
{
    private readonly ConnectionMultiplexer _redis;
    private readonly ClusterTable _table;
    private int _cleaning;
    private Task _cleanup = Task.CompletedTask;

    private PlasmaCluster(ConnectionMultiplexer redis, PlasmaClusterOptions? options)
    {
        _redis = redis;
        _table = new ClusterTable(redis.GetDatabase());
        _fetch = options?.StoreSocket is null ? null : new ClusterFetch(this, options);
    }

    /// <summary>Connects to the cluster's Redis.</summary>
    /// <param name="redisConnection">StackExchange.Redis connection string ("host:port[,password=...][,ssl=true]").</param>
    /// <param name="options">With <see cref="PlasmaClusterOptions.StoreSocket"/>, <see cref="GetAsync"/> can bring
    /// objects from other nodes into that store; without, this is a reader of the tables only.</param>
    /// <exception cref="RedisConnectionException">Redis cannot be reached.</exception>
    public static async Task<PlasmaCluster> ConnectAsync(string redisConnection, PlasmaClusterOptions? options = null)
    {
        options?.Transfer.Validate();
        ConfigurationOptions config = ConfigurationOptions.Parse(redisConnection);
        config.ClientName ??= "plasmasharp-reader";
        return new PlasmaCluster(await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false), options);
    }

    /// <summary>Same as <see cref="ConnectAsync"/>, blocking.</summary>
    public static PlasmaCluster Connect(string redisConnection, PlasmaClusterOptions? options = null) =>
        ConnectAsync(redisConnection, options).GetAwaiter().GetResult();

    /// <summary>The live nodes, by id.</summary>
    public async Task<IReadOnlyList<ClusterNodeInfo>> NodesAsync()
    {
        var (live, dead) = await _table.ReadNodesAsync().ConfigureAwait(false);
        ForgetInBackground(dead);
        return live;
    }

    /// <summary>Same as <see cref="NodesAsync"/>, blocking.</summary>
    public IReadOnlyList<ClusterNodeInfo> Nodes() => NodesAsync().GetAwaiter().GetResult();

    /// <summary>The live nodes holding <paramref name="id"/> (empty when none), by node id. One Redis round trip.</summary>
    public async Task<IReadOnlyList<ObjectLocation>> LocateAsync(ObjectId id)
    {
        var (live, dead) = await _table.LocateAsync(id).ConfigureAwait(false);
        ForgetInBackground(dead);
        return live;
    }

    /// <summary>Same as <see cref="LocateAsync"/>, blocking.</summary>
    public IReadOnlyList<ObjectLocation> Locate(ObjectId id) => LocateAsync(id).GetAwaiter().GetResult();

    /// <summary>Every location of every object on the live nodes, node by node (an object on two
    /// nodes comes twice). Reads with HSCAN, so a large table does not stall Redis.</summary>
    public async IAsyncEnumerable<ObjectLocation> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (ClusterNodeInfo node in await NodesAsync().ConfigureAwait(false))
            await foreach (var (oid, entry) in _table.ScanNodeObjectsAsync(node.Id, cancellationToken).ConfigureAwait(false))
                if (ObjectId.TryParse(oid, out ObjectId id) && ClusterTable.ToLocation(id, node.Id, entry) is { } location)
                    yield return location;
    }

    /// <summary>One Redis PING round trip: the floor of every call above.</summary>
    public async Task<TimeSpan> PingAsync()
    {
        long start = Stopwatch.GetTimestamp();
        await _table.Database.PingAsync().ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary>Removes a dead node's entries now (normally done in the background when one is noticed).</summary>
    /// <returns>False when the node turned out to be alive.</returns>
    public Task<bool> ForgetNodeAsync(string nodeId) => _table.ForgetNodeAsync(nodeId);

    private void ForgetInBackground(List<string> dead)
    {
        if (dead.Count == 0 || Interlocked.Exchange(ref _cleaning, 1) != 0) return;
        _cleanup = Task.Run(async () =>
        {
            try
            {
                foreach (string node in dead) await _table.ForgetNodeAsync(node).ConfigureAwait(false);
            }
            catch (Exception e) when (PlasmaNodeAgent.IsRedisFailure(e)) { } // the next reader that notices tries again
            finally
            {
                Volatile.Write(ref _cleaning, 0);
            }
        });
    }

    /// <summary>Lets a running cleanup finish (up to 2 s), then closes the Redis connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAny(_cleanup, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        _fetch?.Dispose();
        await _redis.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Same as <see cref="DisposeAsync"/>, blocking.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
