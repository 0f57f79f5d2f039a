using System.Diagnostics;
using Microsoft.Extensions.Logging;
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

    /// <summary>The pulling side of one PlasmaCluster: its local store, puller and seal watcher.</summary>
    private sealed class ClusterFetch : IDisposable
    {
        private static readonly TimeSpan LookAgain = TimeSpan.FromSeconds(1);

        private readonly LocalStore _store;
        private readonly ObjectPuller _puller;
        private readonly LocatedWatcher _watcher;
        private readonly StackExchange.Redis.ConnectionMultiplexer _redis;
        private readonly ILogger _logger;

        public ClusterFetch(PlasmaCluster cluster, PlasmaClusterOptions options)
        {
            _redis = cluster._redis;
            _logger = options.Logger;
            _store = new LocalStore(options.StoreSocket!);
            _puller = new ObjectPuller(cluster.LocateAsync, cluster.NodesAsync, _store, options.Transfer, options.NodeId, options.Logger);
            _watcher = new LocatedWatcher(cluster._redis);
        }

        public async Task<PlasmaObject?> GetAsync(ObjectId id, TimeSpan timeout, CancellationToken ct)
        {
            long timeoutMs = PlasmaClientTimeouts.ToMilliseconds(timeout);
            long start = Stopwatch.GetTimestamp();
            TimeSpan Remaining() => timeoutMs < 0 ? Timeout.InfiniteTimeSpan
                : TimeSpan.FromMilliseconds(Math.Max(0, timeoutMs - Stopwatch.GetElapsedTime(start).TotalMilliseconds));

            if (_store.Use(c => c.Get(id, TimeSpan.Zero)) is { } local) return local;
            try
            {
                await _watcher.EnsureSubscribedAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (PlasmaNodeAgent.IsRedisFailure(e)) { } // looked up again every second anyway
            bool toldRedisDown = false;
            while (true)
            {
                if (!_redis.IsConnected && !toldRedisDown)
                {
                    // Lookups wait for the reconnection; the Get still ends at its own timeout.
                    _logger.LogWarning("cannot look up {Id}: Redis unreachable; waiting for it until the Get's timeout", id);
                    toldRedisDown = true;
                }
                TimeSpan remaining = Remaining();
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
                if (remaining != Timeout.InfiniteTimeSpan) deadline.CancelAfter(remaining);
                PullOutcome outcome;
                try
                {
                    outcome = await _puller.PullAsync(id, deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    return null; // out of time while pulling: the transfer is abandoned, its copy aborted
                }
                if (outcome == PullOutcome.InStore) return await _store.Client.GetAsync(id, Remaining(), ct).ConfigureAwait(false);
                remaining = Remaining();
                if (remaining == TimeSpan.Zero) return _store.Use(c => c.Get(id, TimeSpan.Zero));
                TimeSpan wait = remaining == Timeout.InfiniteTimeSpan || remaining > LookAgain ? LookAgain : remaining;
                await _watcher.WaitAsync(id, wait, ct).ConfigureAwait(false);
                if (_store.Use(c => c.Get(id, TimeSpan.Zero)) is { } arrived) return arrived; // a local producer sealed it
            }
        }

        public void Dispose()
        {
            _puller.Dispose();
            _store.Dispose();
        }
    }
}

/// <summary>Plasma's timeout convention: Zero = look once, InfiniteTimeSpan = forever, nothing else negative.</summary>
internal static class PlasmaClientTimeouts
{
    public static long ToMilliseconds(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan) return -1;
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        return (long)Math.Ceiling(timeout.TotalMilliseconds);
    }
}
