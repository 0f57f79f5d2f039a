namespace PlasmaSharp.Cluster.Transfer;

/// <summary>How long bringing one object may go on: until the last Get that asked for it gives up.
/// A node hears of each Get its store holds waiting, and a client that waits in slices (the managed
/// <see cref="PlasmaClient.GetAsync(ObjectId, TimeSpan, CancellationToken)"/>, 100 ms at a time, so its
/// token is honoured) sends a new Get as each slice ends. Each later Get extends the bring already
/// running, by its own timeout plus <c>grace</c> (the next Get arrives just after the previous one
/// ended), instead of every slice starting a transfer and abandoning it when the slice ends.</summary>
internal sealed class BringDeadline : IDisposable
{
    private readonly object _lock = new();
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _expired;
    private readonly TimeSpan _grace;
    private long _deadline; // _time's timestamp; long.MaxValue: never
    private bool _disposed; // the bring ended; a Get that found it just before then starts a new one

    /// <param name="timeout">The first Get's timeout (InfiniteTimeSpan: no end).</param>
    /// <param name="grace">Added to each Get's timeout (zero where one caller waits once).</param>
    /// <param name="time">The clock and timer (the system's unless a test drives time itself).</param>
    public BringDeadline(TimeSpan timeout, TimeSpan grace, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _expired = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        _grace = grace;
        _deadline = DeadlineAfter(timeout);
        Schedule();
    }

    /// <summary>Cancelled once the deadline has passed.</summary>
    public CancellationToken Token => _expired.Token;

    /// <summary>Time left (InfiniteTimeSpan: no end; zero once passed, or once the timer fired: it
    /// may fire a little early, and the token is what decides).</summary>
    public TimeSpan Remaining
    {
        get
        {
            if (_expired.IsCancellationRequested) return TimeSpan.Zero;
            long deadline = Interlocked.Read(ref _deadline);
            if (deadline == long.MaxValue) return Timeout.InfiniteTimeSpan;
            long left = deadline - _time.GetTimestamp();
            return left <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)left / _time.TimestampFrequency);
        }
    }

    /// <summary>Makes the bring last for one more Get; false when it has already run out (then the
    /// caller starts a new bring for that Get).</summary>
    public bool TryExtend(TimeSpan timeout)
    {
        lock (_lock)
        {
            if (_disposed || _expired.IsCancellationRequested) return false;
            long later = DeadlineAfter(timeout);
            if (later <= _deadline) return true;
            Interlocked.Exchange(ref _deadline, later);
            Schedule();
            return true;
        }
    }

    public void Dispose()
    {
        lock (_lock) _disposed = true;
        _expired.Dispose();
    }

    private long DeadlineAfter(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan || timeout >= LongestTimer) return long.MaxValue;
        return _time.GetTimestamp() + (long)((timeout + _grace).TotalSeconds * _time.TimestampFrequency);
    }

    // A timer cannot run longer than int.MaxValue ms (~24.8 days); a Get that waits longer waits
    // as good as forever (the store treats ~100 days the same way).
    private static readonly TimeSpan LongestTimer = TimeSpan.FromDays(24);

    // CancelAfter reschedules the one timer (InfiniteTimeSpan stops it).
    private void Schedule() => _expired.CancelAfter(Remaining);
}
