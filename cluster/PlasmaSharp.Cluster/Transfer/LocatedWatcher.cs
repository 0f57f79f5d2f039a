using System.Collections.Concurrent;
using StackExchange.Redis;

namespace PlasmaSharp.Cluster.Transfer;

/// <summary>Wakes Gets that wait for an object no live node holds yet (a get before its put): node
/// agents publish every newly sealed id on <see cref="ClusterKeys.Located"/> (in the same Lua call
/// that writes the location), and this subscription signals the waiters of that id. Waiters also
/// look again now and then on their own, so a message lost while Redis reconnects costs a delay,
/// never a missed object.</summary>
internal sealed class LocatedWatcher
{
    private readonly ConcurrentDictionary<ObjectId, TaskCompletionSource> _waiters = new();
    private readonly ISubscriber _subscriber;
    private readonly Lazy<Task> _subscribed;

    public LocatedWatcher(IConnectionMultiplexer redis)
    {
        _subscriber = redis.GetSubscriber();
        _subscribed = new Lazy<Task>(() => _subscriber.SubscribeAsync(RedisChannel.Literal(ClusterKeys.Located), (_, message) =>
        {
            if (ObjectId.TryParse(message.ToString(), out ObjectId id) && _waiters.TryRemove(id, out TaskCompletionSource? waiter))
                waiter.TrySetResult();
        }));
    }

    /// <summary>Subscribes (once) before the caller's first lookup, so a seal between the lookup and
    /// the wait is not missed.</summary>
    public Task EnsureSubscribedAsync() => _subscribed.Value;

    /// <summary>Waits until <paramref name="id"/> is announced, or <paramref name="wait"/> passes.</summary>
    public async Task WaitAsync(ObjectId id, TimeSpan wait, CancellationToken ct)
    {
        TaskCompletionSource signal = _waiters.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await signal.Task.WaitAsync(wait, ct).ConfigureAwait(false);
        }
        catch (TimeoutException) { }
    }
}
