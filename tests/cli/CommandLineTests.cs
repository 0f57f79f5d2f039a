namespace PlasmaSharp.Cli.Tests;

/// <summary>What System.CommandLine gives the tool: generated help, response files (@FILE) and
/// completions through the [suggest] directive, the way a shell hook asks for them (the real
/// executable, the whole command line and the cursor position).</summary>
public sealed class CommandLineTests : CliTestBase
{
    /// <summary>The suggestions for <paramref name="line"/> with the cursor at its end.</summary>
    private static string[] Suggest(string line)
    {
        var r = ProcessTests.RunTool($"[suggest:{line.Length}]", line);
        Assert.True(r.Code == ExitCodes.Ok, $"exit {r.Code}: {r.Error}");
        return r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    [Fact]
    public void Suggest_completes_command_names()
    {
        Assert.Equal(["stats"], Suggest("plasmasharp st"));
        string[] all = Suggest("plasmasharp ");
        foreach (string command in new[] { "put", "get", "ls", "stats", "watch", "rm", "evict", "node", "nodes" })
            Assert.Contains(command, all);
    }

    [Fact]
    public void Suggest_completes_a_commands_options()
    {
        string[] ls = Suggest("plasmasharp ls --");
        Assert.Contains("--cluster", ls);
        Assert.Contains("--redis", ls);
        Assert.Contains("--socket", ls);
        Assert.DoesNotContain("--timeout", ls);
        string[] get = Suggest("plasmasharp get --t");
        Assert.Contains("--timeout", get);
        Assert.DoesNotContain("--cluster", get);
    }

    [Fact]
    public void Suggest_completes_ids_from_the_store_on_the_command_line()
    {
        ObjectId a = ObjectId.Parse("ab" + new string('1', 38)), b = ObjectId.Parse("ab" + new string('2', 38)), c = ObjectId.Parse("cd" + new string('3', 38));
        Client.Put(a, Pattern(1));
        Client.Put(b, Pattern(2));
        Client.Put(c, Pattern(3));
        Assert.Equal([a.ToString(), b.ToString()], Suggest($"plasmasharp get --socket {Store.SocketPath} ab").Where(s => !s.StartsWith('-')));
        Assert.Contains(c.ToString(), Suggest($"plasmasharp rm --socket {Store.SocketPath} "));
        // No store: no ids, and still no error.
        Assert.DoesNotContain(Suggest($"plasmasharp get --socket {Path.Combine(TempDir, "none.sock")} "), s => s.Length == 40);
    }

    [Fact]
    public void A_response_file_supplies_arguments_with_comments_and_quoted_paths()
    {
        string file = WriteFile("name with spaces.bin", Pattern(77));
        string responseFile = WriteFile("put.rsp", System.Text.Encoding.UTF8.GetBytes(
            $"# the file and its metadata\nput \"{file}\"\n--metadata RAW\n"));
        var put = ProcessTests.RunTool($"@{responseFile}", "--socket", Store.SocketPath);
        Assert.True(put.Code == ExitCodes.Ok, put.Error);
        using PlasmaObject? obj = Client.Get(ObjectId.Parse(put.Out.Trim()), TimeSpan.FromSeconds(5));
        Assert.NotNull(obj);
        Assert.Equal(Pattern(77), obj.Data.ToArray());
        Assert.Equal("RAW"u8.ToArray(), obj.Metadata.ToArray());
    }

    [Fact]
    public void A_missing_response_file_is_a_usage_error()
    {
        CliResult r = Cli($"@{Path.Combine(TempDir, "missing.rsp")}");
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("missing.rsp", r.Error);
    }

    [Theory]
    [InlineData("put", "<FILE>", "--id <HEX>", "--metadata <TEXT>", "--socket <PATH>")]
    [InlineData("get", "<ID>", "-o, --output <FILE>", "--timeout <MS>", "--socket <PATH>")]
    [InlineData("ls", "--cluster", "--redis <HOST:PORT>", "--socket <PATH>")]
    [InlineData("stats", "--socket <PATH>")]
    [InlineData("watch", "--count <N>", "--socket <PATH>")]
    [InlineData("rm", "<ID>", "--socket <PATH>")]
    [InlineData("evict", "<BYTES>", "--socket <PATH>")]
    [InlineData("node", "--redis <HOST:PORT>", "--memory <BYTES>", "--socket <PATH>", "--store-socket <PATH>", "--node-id <ID>", "--ttl <SECONDS>", "--listen <IP[:PORT]>")]
    [InlineData("nodes", "--redis <HOST:PORT>")]
    public void Every_command_has_generated_help_with_its_options_and_the_exit_codes(string command, params string[] expected)
    {
        foreach (string flag in new[] { "--help", "-h", "-?" })
        {
            CliResult help = CliWith(null, null, default, command, flag);
            Assert.Equal(ExitCodes.Ok, help.ExitCode);
            Assert.Contains($"plasmasharp {command}", help.Out);
            foreach (string text in expected) Assert.Contains(text, help.Out);
            Assert.Contains(ExitCodes.Help, help.Out);
            Assert.Equal("", help.Error);
        }
    }

    [Fact]
    public void A_usage_error_inside_a_command_points_to_that_commands_help()
    {
        CliResult r = Cli("get", new string('a', 40), "--timeout", "soon");
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("--timeout: 'soon' is not a number of milliseconds", r.Error);
        Assert.Contains("Try 'plasmasharp get --help'.", r.Error);
    }
}
