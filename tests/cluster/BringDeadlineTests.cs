using Microsoft.Extensions.Time.Testing;
using PlasmaSharp.Cluster.Transfer;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>The deadline a node's transparent Gets share: later Gets extend it while it runs; once
/// passed it stays passed (the next Get then starts a bring of its own). Time is a fake clock the
/// test advances, so a slow or busy machine cannot move a deadline past an assertion.</summary>
public sealed class BringDeadlineTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    [Fact]
    public void A_later_get_extends_a_running_deadline_and_an_expired_one_stays_expired()
    {
        var time = new FakeTimeProvider();
        using var deadline = new BringDeadline(TimeSpan.FromMilliseconds(300), TimeSpan.Zero, time);
        time.Advance(TimeSpan.FromMilliseconds(150));
        Assert.False(deadline.Token.IsCancellationRequested);
        Assert.True(deadline.TryExtend(TimeSpan.FromSeconds(3)));      // a slice-waiting client's next Get
        Assert.True(deadline.TryExtend(TimeSpan.FromMilliseconds(1))); // shorter: changes nothing
        time.Advance(TimeSpan.FromMilliseconds(400));                  // past the first Get's 300 ms
        Assert.False(deadline.Token.IsCancellationRequested);
        Assert.Equal(2600, deadline.Remaining.TotalMilliseconds, precision: 3);

        time.Advance(TimeSpan.FromMilliseconds(2600) - Tick);
        Assert.False(deadline.Token.IsCancellationRequested);
        time.Advance(Tick);                                             // the extended deadline
        Assert.True(deadline.Token.IsCancellationRequested);
        Assert.Equal(TimeSpan.Zero, deadline.Remaining);
        Assert.False(deadline.TryExtend(TimeSpan.FromSeconds(10)));    // ran out: a new bring is needed
    }

    [Fact]
    public void The_grace_is_added_to_each_gets_timeout_and_infinite_never_ends()
    {
        var time = new FakeTimeProvider();
        using var graced = new BringDeadline(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), time);
        time.Advance(TimeSpan.FromMilliseconds(600) - Tick);
        Assert.False(graced.Token.IsCancellationRequested);            // 100 ms + 500 ms grace
        time.Advance(Tick);
        Assert.True(graced.Token.IsCancellationRequested);

        using var forever = new BringDeadline(TimeSpan.FromMilliseconds(100), TimeSpan.Zero, time);
        Assert.True(forever.TryExtend(Timeout.InfiniteTimeSpan));
        using var sixtyDays = new BringDeadline(TimeSpan.FromDays(60), TimeSpan.Zero, time); // past a timer's range
        Assert.Equal(Timeout.InfiniteTimeSpan, sixtyDays.Remaining);
        Assert.True(forever.TryExtend(TimeSpan.FromDays(60)));
        time.Advance(TimeSpan.FromDays(100));
        Assert.False(forever.Token.IsCancellationRequested);
        Assert.False(sixtyDays.Token.IsCancellationRequested);
        Assert.Equal(Timeout.InfiniteTimeSpan, forever.Remaining);
    }

    [Fact]
    public async Task On_the_system_clock_the_token_is_cancelled_when_the_deadline_passes()
    {
        using var deadline = new BringDeadline(TimeSpan.FromMilliseconds(50), TimeSpan.Zero);
        var cancelled = new TaskCompletionSource();
        using (deadline.Token.Register(() => cancelled.TrySetResult()))
            await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30)); // only an upper bound
        Assert.Equal(TimeSpan.Zero, deadline.Remaining);
        Assert.False(deadline.TryExtend(TimeSpan.FromSeconds(10)));
    }
}
