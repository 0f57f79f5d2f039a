namespace PlasmaSharp.Cli.Tests;

public sealed class WatchTests : CliTestBase
{
    [Fact]
    public void Watch_prints_existing_objects_then_live_seals_and_deletes()
    {
        ObjectId before = ObjectId.NewRandom(), during = ObjectId.NewRandom();
        Client.Put(before, Pattern(11));
        // 3 notifications: `before` (already sealed when subscribing), `during` sealed, `during` deleted.
        var error = new SignalingWriter("watching");
        Task<CliResult> watch = Task.Run(() => CliWithErrorWriter(error, null, null, default, "watch", "--count", "3", "--socket", Store.SocketPath));
        // watch prints "watching ..." once subscribed: only then are `during`'s events live ones.
        Assert.True(error.Seen.Wait(TimeSpan.FromSeconds(30)), "watch did not subscribe");
        Client.Put(during, Pattern(22), "m"u8);
        Client.Delete(during);
        Assert.True(watch.Wait(TimeSpan.FromSeconds(30)), "watch did not stop after 3 notifications");
        CliResult result = watch.Result;
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        string[] lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains($"sealed   {before}  data=11 metadata=0", lines[0]);
        Assert.Contains($"sealed   {during}  data=22 metadata=1", lines[1]);
        Assert.Contains($"deleted  {during}", lines[2]);
    }

    [Fact]
    public void Watch_stops_cleanly_when_cancelled()
    {
        using var cts = new CancellationTokenSource();
        var error = new SignalingWriter("watching");
        Task<CliResult> watch = Task.Run(() => CliWithErrorWriter(error, null, null, cts.Token, "watch", "--socket", Store.SocketPath));
        Assert.True(error.Seen.Wait(TimeSpan.FromSeconds(30)), "watch did not subscribe");
        cts.Cancel();
        Assert.True(watch.Wait(TimeSpan.FromSeconds(30)), "watch did not stop on cancellation");
        Assert.Equal(ExitCodes.Ok, watch.Result.ExitCode);
    }

    [Fact]
    public async Task Watch_ends_with_exit_code_3_when_the_store_goes_away()
    {
        var error = new SignalingWriter("watching");
        Task<CliResult> watch = Task.Run(() => CliWithErrorWriter(error, null, null, default, "watch", "--socket", Store.SocketPath));
        Assert.True(error.Seen.Wait(TimeSpan.FromSeconds(30)), "watch did not subscribe");
        await Store.StopAsync();
        Assert.True(watch.Wait(TimeSpan.FromSeconds(30)), "watch did not notice the store stopping");
        Assert.Equal(ExitCodes.StoreUnreachable, watch.Result.ExitCode);
        Assert.Contains("closed the connection", watch.Result.Error);
    }

    [Fact]
    public void Watch_with_a_bad_count_is_a_usage_error()
    {
        Assert.Equal(ExitCodes.Usage, Cli("watch", "--count", "0").ExitCode);
    }
}
