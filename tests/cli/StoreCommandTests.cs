namespace PlasmaSharp.Cli.Tests;

public sealed class StoreCommandTests : CliTestBase
{
    [Fact]
    public void Ls_lists_every_object_with_sizes_refs_state_and_age()
    {
        ObjectId sealedId = ObjectId.NewRandom(), unsealedId = ObjectId.NewRandom();
        Client.Put(sealedId, Pattern(1234), "meta"u8);
        using WritablePlasmaObject unsealed = Client.Create(unsealedId, 77);

        CliResult ls = Cli("ls");
        Assert.Equal(ExitCodes.Ok, ls.ExitCode);
        string[] lines = ls.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("ID", lines[0]);
        Assert.Contains("REFS", lines[0]);
        Assert.Contains("AGE", lines[0]);
        Assert.Equal(3, lines.Length);
        string[] sealedRow = lines.Single(l => l.StartsWith(sealedId.ToString(), StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["1234", "4", "0", "sealed"], sealedRow[1..5]);
        Assert.EndsWith("s", sealedRow[5]);
        string[] unsealedRow = lines.Single(l => l.StartsWith(unsealedId.ToString(), StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["77", "0", "1", "unsealed"], unsealedRow[1..5]);
    }

    [Fact]
    public void Ls_of_an_empty_store_prints_only_the_header()
    {
        CliResult ls = Cli("ls");
        Assert.Equal(ExitCodes.Ok, ls.ExitCode);
        Assert.Single(ls.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Stats_reports_capacity_used_bytes_and_object_counts()
    {
        Client.Put(ObjectId.NewRandom(), Pattern(1000), "xy"u8);
        Client.Put(ObjectId.NewRandom(), Pattern(3000));
        CliResult stats = Cli("stats");
        Assert.Equal(ExitCodes.Ok, stats.ExitCode);
        Assert.Contains($"capacity    {Capacity} bytes", stats.Out);
        Assert.Contains("used        4002 bytes", stats.Out);
        Assert.Contains("objects     2 (2 sealed, 0 unsealed, 0 in use)", stats.Out);
        Assert.Contains("evictions   0 (since the store started)", stats.Out);
    }

    [Fact]
    public void Evict_frees_unreferenced_objects_and_reports_the_bytes()
    {
        ObjectId id = ObjectId.NewRandom();
        Client.Put(id, Pattern(100_000));
        CliResult evict = Cli("evict", "64K");
        Assert.Equal(ExitCodes.Ok, evict.ExitCode);
        Assert.Matches(@"^evicted (\d+) bytes", evict.Out);
        long freed = long.Parse(System.Text.RegularExpressions.Regex.Match(evict.Out, @"^evicted (\d+)").Groups[1].Value);
        Assert.True(freed >= 100_000, evict.Out);
        Assert.False(Client.Contains(id));
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("-5")]
    [InlineData("12X")]
    public void Evict_with_a_bad_byte_count_is_a_usage_error(string bytes)
    {
        CliResult evict = Cli("evict", bytes);
        Assert.Equal(ExitCodes.Usage, evict.ExitCode);
    }

    [Theory]
    [InlineData("1024", 1024)]
    [InlineData("512K", 512L << 10)]
    [InlineData("64M", 64L << 20)]
    [InlineData("2G", 2L << 30)]
    [InlineData("3MiB", 3L << 20)]
    public void Byte_counts_take_binary_suffixes(string text, long expected)
    {
        Assert.Equal(expected, Arguments.ParseBytes(text, "test"));
    }
}
