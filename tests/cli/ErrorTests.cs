using System.Net.Sockets;

namespace PlasmaSharp.Cli.Tests;

/// <summary>Errors that do not depend on objects: the command line, the socket, the store.</summary>
public sealed class ErrorTests : CliTestBase
{
    [Theory]
    [InlineData("ls")]
    [InlineData("stats")]
    [InlineData("watch")]
    [InlineData("evict", "1M")]
    [InlineData("get", "0000000000000000000000000000000000000001")]
    public void A_missing_socket_is_reported_with_exit_code_3(params string[] args)
    {
        string socket = Path.Combine(TempDir, "no-store.sock");
        CliResult r = CliWith(null, null, default, [.. args, "--socket", socket]);
        Assert.Equal(ExitCodes.StoreUnreachable, r.ExitCode);
        Assert.Contains($"no store socket at {socket}", r.Error);
    }

    [Fact]
    public void A_socket_nobody_listens_on_is_reported_with_exit_code_3()
    {
        string socket = Path.Combine(TempDir, "dead.sock");
        // Bound but never listening (what a crashed store's leftover looks like to connect(): refused).
        // Kept open during the run: .NET removes the socket file when the socket is disposed.
        using var bound = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        bound.Bind(new UnixDomainSocketEndPoint(socket));
        CliResult r = CliWith(null, null, default, "ls", "--socket", socket);
        Assert.Equal(ExitCodes.StoreUnreachable, r.ExitCode);
        Assert.Contains("cannot connect", r.Error);
    }

    [Fact]
    public void The_socket_comes_from_PLASMA_STORE_SOCKET_when_not_given()
    {
        Client.Put(ObjectId.NewRandom(), Pattern(3));
        CliResult r = CliWith(null, new() { [CliApp.SocketVariable] = Store.SocketPath }, default, "stats");
        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Contains("objects     1", r.Out);
    }

    [Fact]
    public void No_socket_at_all_is_a_usage_error()
    {
        CliResult r = CliWith(null, null, default, "ls");
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains(CliApp.SocketVariable, r.Error);
    }

    [Fact]
    public void Unknown_commands_and_options_are_usage_errors()
    {
        Assert.Equal(ExitCodes.Usage, Cli("frobnicate").ExitCode);
        CliResult option = Cli("ls", "--colour");
        Assert.Equal(ExitCodes.Usage, option.ExitCode);
        Assert.Contains("unknown option '--colour'", option.Error);
        Assert.Equal(ExitCodes.Usage, CliWith(null, null, default, "get", "--socket").ExitCode);
        Assert.Equal(ExitCodes.Usage, Cli("ls", "extra").ExitCode);
    }

    [Fact]
    public void No_arguments_prints_usage_and_fails_while_help_succeeds()
    {
        CliResult none = CliWith(null, null, default);
        Assert.Equal(ExitCodes.Usage, none.ExitCode);
        Assert.Contains("Usage:", none.Error);
        Assert.Contains("plasmasharp [command] [options]", none.Error);
        CliResult help = CliWith(null, null, default, "--help");
        Assert.Equal(ExitCodes.Ok, help.ExitCode);
        Assert.Contains("exit codes:", help.Out);
        foreach (string command in new[] { "put <FILE>", "get <ID>", "ls", "stats", "watch", "rm <ID>", "evict <BYTES>", "node", "nodes" })
            Assert.Contains(command, help.Out);
    }

    [Fact]
    public void Version_names_the_tool_and_the_native_library()
    {
        CliResult r = CliWith(null, null, default, "--version");
        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Matches(@"^plasmasharp \d+\.\d+\.\d+, native library \d+\.\d+\.\d+", r.Out);
    }

    [Fact]
    public async Task A_store_that_stopped_after_connecting_is_reported_with_exit_code_3()
    {
        string socket = Store.SocketPath;
        await Store.StopAsync();
        CliResult r = CliWith(null, null, default, "ls", "--socket", socket);
        Assert.Equal(ExitCodes.StoreUnreachable, r.ExitCode);
    }
}
