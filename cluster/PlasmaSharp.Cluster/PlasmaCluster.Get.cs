using PlasmaSharp.Cluster.Transfer;

namespace PlasmaSharp.Cluster;

public sealed partial class PlasmaCluster
{
    private readonly ClusterFetch? _fetch;

    /// <summary>Gets an object from the local store, pulling it there from a live holder first when
    /// the store lacks it. An object no node holds yet is waited for (Redis pub/sub, plus a look every
    /// second) until <paramref name="timeout"/>, and pulled as soon as a node seals it. Returns null
    /// when it is not local in time — also while Redis is unreachable (the cause is logged).
    /// Needs <see cref="PlasmaClusterOptions.StoreSocket"/>.</summary>
    /// <param name="id">The object.</param>
    /// <param name="timeout">How long to wait at most; <see cref="Timeout.InfiniteTimeSpan"/> = until cancelled.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="StoreFullException">The object does not fit in the local store even after evicting.</exception>
    /// <exception cref="InvalidOperationException">Connected without a local store.</exception>
    public Task<PlasmaObject?> GetAsync(ObjectId id, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        (_fetch ?? throw new InvalidOperationException("GetAsync needs a local store: connect with PlasmaClusterOptions.StoreSocket"))
            .GetAsync(id, timeout, cancellationToken);

    /// <summary>The pulling side of one PlasmaCluster: its local store and fetcher.</summary>
    private sealed class ClusterFetch : IDisposable
    {
        private readonly LocalStore _store;
        private readonly ObjectFetcher _fetcher;

        public ClusterFetch(PlasmaCluster cluster, PlasmaClusterOptions options)
        {
            _store = new LocalStore(options.StoreSocket!);
            var puller = new ObjectPuller(cluster.LocateAsync, cluster.NodesAsync, _store, options.Transfer, options.NodeId, options.Logger);
            _fetcher = new ObjectFetcher(_store, puller, cluster._redis, options.Logger);
        }

        public async Task<PlasmaObject?> GetAsync(ObjectId id, TimeSpan timeout, CancellationToken ct)
        {
            long timeoutMs = PlasmaClientTimeouts.ToMilliseconds(timeout);
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            if (_store.Use(c => c.Get(id, TimeSpan.Zero)) is { } local) return local;
            if (!await _fetcher.BringAsync(id, timeout, ct).ConfigureAwait(false)) return _store.Use(c => c.Get(id, TimeSpan.Zero));
            TimeSpan remaining = timeoutMs < 0 ? Timeout.InfiniteTimeSpan
                : TimeSpan.FromMilliseconds(Math.Max(0, timeoutMs - System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds));
            return await _store.Client.GetAsync(id, remaining, ct).ConfigureAwait(false);
        }

        public void Dispose()
        {
            _fetcher.Dispose();
            _store.Dispose();
        }
    }
}
