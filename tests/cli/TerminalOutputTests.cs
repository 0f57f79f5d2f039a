using Spectre.Console.Testing;

namespace PlasmaSharp.Cli.Tests;

/// <summary>What the tool draws when standard output is a terminal (a recording console stands in
/// for it): the stats table, progress bars for large files, watch's live table. The plain-text
/// forms (redirected output) are what the other tests check.</summary>
public sealed class TerminalOutputTests : CliTestBase
{
    private static TestConsole Terminal() => new TestConsole().Width(160).Interactive();

    [Fact]
    public void Stats_on_a_terminal_is_a_table()
    {
        Client.Put(ObjectId.NewRandom(), Pattern(1000), "xy"u8);
        Client.Put(ObjectId.NewRandom(), Pattern(3000));
        using TestConsole terminal = Terminal();
        CliResult stats = CliOnTerminal(terminal, null, "stats");
        Assert.Equal(ExitCodes.Ok, stats.ExitCode);
        Assert.Equal("", stats.Out);
        Assert.Contains("│ capacity", terminal.Output);
        Assert.Contains($"{Capacity} bytes │", terminal.Output);
        Assert.Contains("4002 bytes │", terminal.Output);
        Assert.Contains("2 sealed, 0 unsealed, 0 in use", terminal.Output);
    }

    [Fact]
    public void Put_and_get_of_a_large_file_show_progress_bars_but_never_in_the_data()
    {
        byte[] content = Pattern((int)TransferProgress.MinimumBytes + 12345);
        using TestConsole putTerminal = Terminal();
        CliResult put = CliOnTerminal(putTerminal, null, "put", WriteFile("large.bin", content));
        Assert.Equal(ExitCodes.Ok, put.ExitCode);
        Assert.Contains("put large.bin", putTerminal.Output);
        Assert.Contains("100%", putTerminal.Output);
        string id = put.Out.Trim();

        using TestConsole getTerminal = Terminal();
        string target = Path.Combine(TempDir, "copy.bin");
        Assert.Equal(ExitCodes.Ok, CliOnTerminal(getTerminal, null, "get", id, "-o", target).ExitCode);
        Assert.Contains($"get {id}", getTerminal.Output);
        Assert.Contains("100%", getTerminal.Output);
        Assert.Equal(content, File.ReadAllBytes(target));

        // To standard output the data is the output: no bar.
        using TestConsole stdoutTerminal = Terminal();
        CliResult toStdout = CliOnTerminal(stdoutTerminal, null, "get", id);
        Assert.Equal(content, toStdout.StdoutBytes);
        Assert.DoesNotContain("%", stdoutTerminal.Output);
    }

    [Fact]
    public void A_small_put_on_a_terminal_has_no_progress_bar()
    {
        using TestConsole terminal = Terminal();
        CliResult put = CliOnTerminal(terminal, null, "put", WriteFile("small.bin", Pattern(4096)));
        Assert.Equal(ExitCodes.Ok, put.ExitCode);
        Assert.Equal("", terminal.Output);
    }

    [Fact]
    public void Watch_on_a_terminal_is_a_live_table_with_running_totals()
    {
        ObjectId before = ObjectId.NewRandom(), during = ObjectId.NewRandom();
        Client.Put(before, Pattern(11));
        using TestConsole terminal = Terminal();
        var error = new SignalingWriter("watching");
        Task<CliResult> watch = Task.Run(() => CliOnTerminal(terminal, error, "watch", "--count", "3"));
        Assert.True(error.Seen.Wait(TimeSpan.FromSeconds(30)), "watch did not subscribe");
        Client.Put(during, Pattern(22), "m"u8);
        Client.Delete(during);
        Assert.True(watch.Wait(TimeSpan.FromSeconds(30)), "watch did not stop after 3 notifications");
        Assert.Equal(ExitCodes.Ok, watch.Result.ExitCode);
        Assert.Equal("", watch.Result.Out);
        Assert.Contains("2 sealed, 1 deleted", terminal.Output);
        Assert.Contains(before.ToString(), terminal.Output);
        Assert.Contains(during.ToString(), terminal.Output);
        Assert.Contains("deleted", terminal.Output);
    }
}
