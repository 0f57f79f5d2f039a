using PlasmaSharp.Cluster.Transfer;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>The deadline a node's transparent Gets share: later Gets extend it while it runs; once
/// passed it stays passed (the next Get then starts a bring of its own).</summary>
public sealed class BringDeadlineTests
{
    [Fact]
    public async Task A_later_get_extends_a_running_deadline_and_an_expired_one_stays_expired()
    {
        using var deadline = new BringDeadline(TimeSpan.FromMilliseconds(300), TimeSpan.Zero);
        Assert.False(deadline.Token.IsCancellationRequested);
        await Task.Delay(150);
        Assert.True(deadline.TryExtend(TimeSpan.FromSeconds(3)));   // a slice-waiting client's next Get
        Assert.True(deadline.TryExtend(TimeSpan.FromMilliseconds(1))); // shorter: changes nothing
        await Task.Delay(400);                                       // past the first Get's 300 ms
        Assert.False(deadline.Token.IsCancellationRequested);
        Assert.InRange(deadline.Remaining, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(3));

        using var shortOne = new BringDeadline(TimeSpan.FromMilliseconds(50), TimeSpan.Zero);
        await WaitCancelledAsync(shortOne.Token);
        Assert.Equal(TimeSpan.Zero, shortOne.Remaining);
        Assert.False(shortOne.TryExtend(TimeSpan.FromSeconds(10)));  // ran out: a new bring is needed
        Assert.True(shortOne.Token.IsCancellationRequested);
    }

    [Fact]
    public async Task The_grace_is_added_to_each_gets_timeout_and_infinite_never_ends()
    {
        using var graced = new BringDeadline(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500));
        await Task.Delay(300);
        Assert.False(graced.Token.IsCancellationRequested);          // 100 ms + 500 ms grace
        await WaitCancelledAsync(graced.Token);

        using var forever = new BringDeadline(TimeSpan.FromMilliseconds(100), TimeSpan.Zero);
        Assert.True(forever.TryExtend(Timeout.InfiniteTimeSpan));
        using var sixtyDays = new BringDeadline(TimeSpan.FromDays(60), TimeSpan.Zero); // past a timer's range
        Assert.Equal(Timeout.InfiniteTimeSpan, sixtyDays.Remaining);
        Assert.True(forever.TryExtend(TimeSpan.FromDays(60)));
        await Task.Delay(300);
        Assert.False(forever.Token.IsCancellationRequested);
        Assert.Equal(Timeout.InfiniteTimeSpan, forever.Remaining);
    }

    private static async Task WaitCancelledAsync(CancellationToken token)
    {
        var cancelled = new TaskCompletionSource();
        using (token.Register(() => cancelled.TrySetResult()))
            await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
