using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace PlasmaSharp.Cluster.Transfer;

/// <summary>Brings an object into the local store within a time limit: pulls it from a live holder,
/// or, while no node holds it, waits for one to seal it (Redis pub/sub, plus a look every second)
/// and pulls it then. Used by <see cref="PlasmaCluster.GetAsync"/> and by a node for the Gets its
/// store reports waiting (transparent Gets).</summary>
internal sealed class ObjectFetcher : IDisposable
{
    private static readonly TimeSpan LookAgain = TimeSpan.FromSeconds(1);

    private readonly LocalStore _store;
    private readonly ObjectPuller _puller;
    private readonly LocatedWatcher _watcher;
    private readonly IConnectionMultiplexer _redis;
    private readonly ILogger _logger;

    public ObjectFetcher(LocalStore store, ObjectPuller puller, IConnectionMultiplexer redis, ILogger logger)
    {
        _store = store;
        _puller = puller;
        _redis = redis;
        _logger = logger;
        _watcher = new LocatedWatcher(redis);
    }

    public LocalStore Store => _store;

    /// <summary>True once the object is in the local store, or being created there (a local Get
    /// then waits for its seal); false when <paramref name="timeout"/> ran out first.</summary>
    /// <exception cref="StoreFullException">The object does not fit even after evicting.</exception>
    public async Task<bool> BringAsync(ObjectId id, TimeSpan timeout, CancellationToken ct)
    {
        PlasmaClientTimeouts.ToMilliseconds(timeout); // validates it
        using var deadline = new BringDeadline(timeout, TimeSpan.Zero);
        return await BringAsync(id, deadline, ct).ConfigureAwait(false);
    }

    /// <summary>As <see cref="BringAsync(ObjectId, TimeSpan, CancellationToken)"/>, until a deadline that
    /// later Gets for the same object may extend while it runs (a node's transparent Gets).</summary>
    public async Task<bool> BringAsync(ObjectId id, BringDeadline deadline, CancellationToken ct)
    {
        try
        {
            await _watcher.EnsureSubscribedAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (PlasmaNodeAgent.IsRedisFailure(e)) { } // looked up again every second anyway
        bool toldRedisDown = false;
        using var inTime = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        while (true)
        {
            if (!_redis.IsConnected && !toldRedisDown)
            {
                // Lookups wait for the reconnection; the Get still ends at its own timeout.
                _logger.LogWarning("cannot look up {Id}: Redis unreachable; waiting for it until the Get's timeout", id);
                toldRedisDown = true;
            }
            try
            {
                if (await _puller.PullAsync(id, inTime.Token).ConfigureAwait(false) == PullOutcome.InStore) return true;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return false; // out of time while pulling: the transfer is abandoned, its copy aborted
            }
            TimeSpan remaining = deadline.Remaining;
            if (remaining == TimeSpan.Zero) return false;
            TimeSpan wait = remaining == Timeout.InfiniteTimeSpan || remaining > LookAgain ? LookAgain : remaining;
            await _watcher.WaitAsync(id, wait, ct).ConfigureAwait(false);
            if (_store.Use(c => c.Contains(id))) return true; // a local producer sealed it meanwhile
        }
    }

    public void Dispose() => _puller.Dispose();
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
