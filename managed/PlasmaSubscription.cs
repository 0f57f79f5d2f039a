using System.Runtime.CompilerServices;
using PlasmaSharp.Interop;

namespace PlasmaSharp;

/// <summary>Seal and delete notifications of one client connection (from <see cref="PlasmaClient.Subscribe"/>).
/// Enumerate it with <c>await foreach</c> (pass a token with WithCancellation); the enumeration ends
/// normally (no exception) when the store closes the connection or dies, while <see cref="TryRead"/> and
/// <see cref="ReadAsync"/> throw <see cref="PlasmaConnectionException"/> then. Dispose it when done; after
/// Dispose every member but Dispose throws <see cref="ObjectDisposedException"/>.</summary>
public sealed class PlasmaSubscription : IAsyncEnumerable<PlasmaNotification>, IDisposable
{
    private readonly SubscriptionHandle _handle;
    private readonly TimeSpan _pollInterval;
    private readonly Lock _readLock = new();

    internal PlasmaSubscription(SubscriptionHandle handle, TimeSpan pollInterval)
    {
        _handle = handle;
        _pollInterval = pollInterval <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(100) : pollInterval;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the next notification; null when none came.</summary>
    /// <param name="timeout">TimeSpan.Zero = poll; <see cref="Timeout.InfiniteTimeSpan"/> = wait forever.</param>
    /// <exception cref="PlasmaConnectionException">The store closed the connection.</exception>
    public PlasmaNotification? TryRead(TimeSpan timeout)
    {
        _handle.ThrowIfDisposed(this);
        long timeoutMs = PlasmaClient.ToMilliseconds(timeout);
        lock (_readLock) return NativeProxy.ps_subscription_next(_handle, timeoutMs);
    }

    /// <summary>Waits for the next notification without blocking the caller: bounded native waits run on
    /// a dedicated thread (not the thread pool), checking <paramref name="cancellationToken"/> in between.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="PlasmaConnectionException">The store closed the connection.</exception>
    public Task<PlasmaNotification> ReadAsync(CancellationToken cancellationToken = default)
    {
        PlasmaNotification? ready = TryRead(TimeSpan.Zero); // common case when notifications queue up: no thread
        if (ready is not null) return Task.FromResult(ready);
        return Task.Factory.StartNew(() =>
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (TryRead(_pollInterval) is { } next) return next;
            }
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Enumerates notifications until the store closes the connection or the token is cancelled.</summary>
    /// <param name="cancellationToken">Ends the enumeration with OperationCanceledException.</param>
    public IAsyncEnumerator<PlasmaNotification> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        _handle.ThrowIfDisposed(this); // now, not at the first MoveNextAsync of the iterator below
        return Enumerate(cancellationToken);
    }

    private async IAsyncEnumerator<PlasmaNotification> Enumerate(CancellationToken cancellationToken)
    {
        while (true)
        {
            PlasmaNotification next;
            try
            {
                next = await ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PlasmaConnectionException)
            {
                yield break; // the store closed the connection: the stream of notifications is over
            }
            yield return next;
        }
    }

    /// <summary>The notification socket's file descriptor (for poll/epoll integration).</summary>
    public int FileDescriptor
    {
        get
        {
            _handle.ThrowIfDisposed(this);
            return NativeProxy.ps_subscription_fd(_handle);
        }
    }

    /// <summary>Closes the notification socket.</summary>
    public void Dispose() => _handle.Dispose();
}
