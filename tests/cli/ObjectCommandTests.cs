using System.Text;

namespace PlasmaSharp.Cli.Tests;

public sealed class ObjectCommandTests : CliTestBase
{
    [Fact]
    public void Put_prints_a_new_id_and_get_writes_the_same_bytes_to_a_file()
    {
        byte[] content = Pattern(300_001);
        CliResult put = Cli("put", WriteFile("in.bin", content));
        Assert.Equal(ExitCodes.Ok, put.ExitCode);
        string id = put.Out.Trim();
        Assert.True(ObjectId.TryParse(id, out _), $"'{id}' is not an id");

        string target = Path.Combine(TempDir, "out.bin");
        CliResult get = Cli("get", id, "-o", target);
        Assert.Equal(ExitCodes.Ok, get.ExitCode);
        Assert.Equal(content, File.ReadAllBytes(target));
        Assert.Contains("300001 bytes", get.Out);
    }

    [Fact]
    public void Put_with_id_and_metadata_stores_exactly_those()
    {
        string id = "0123456789abcdef0123456789abcdef01234567";
        CliResult put = Cli("put", WriteFile("in.bin", Pattern(10)), "--id", id, "--metadata", "RAW");
        Assert.Equal(ExitCodes.Ok, put.ExitCode);
        Assert.Equal(id, put.Out.Trim());
        using PlasmaObject? obj = Client.Get(ObjectId.Parse(id), TimeSpan.FromSeconds(5));
        Assert.NotNull(obj);
        Assert.Equal("RAW"u8.ToArray(), obj.Metadata.ToArray());
        Assert.Equal(Pattern(10), obj.Data.ToArray());
    }

    [Fact]
    public void Put_dash_reads_standard_input_and_get_without_o_writes_standard_output()
    {
        byte[] content = Encoding.UTF8.GetBytes("hello from stdin");
        CliResult put = CliWith(content, null, default, "put", "-", "--socket", Store.SocketPath);
        Assert.Equal(ExitCodes.Ok, put.ExitCode);
        CliResult get = Cli("get", put.Out.Trim());
        Assert.Equal(ExitCodes.Ok, get.ExitCode);
        Assert.Equal(content, get.StdoutBytes);
        Assert.Equal("", get.Out);
    }

    [Fact]
    public void Put_of_an_existing_id_fails_with_exit_code_4()
    {
        string file = WriteFile("in.bin", Pattern(5));
        string id = new('a', 40);
        Assert.Equal(ExitCodes.Ok, Cli("put", file, "--id", id).ExitCode);
        CliResult again = Cli("put", file, "--id", id);
        Assert.Equal(ExitCodes.AlreadyExists, again.ExitCode);
        Assert.Contains("already exists", again.Error);
    }

    [Fact]
    public void Put_of_a_missing_file_fails_with_exit_code_6()
    {
        CliResult put = Cli("put", Path.Combine(TempDir, "nope.bin"));
        Assert.Equal(ExitCodes.FileError, put.ExitCode);
        Assert.Contains("nope.bin", put.Error);
        Assert.Empty(Client.List());
    }

    [Fact]
    public void Put_with_a_malformed_id_is_a_usage_error()
    {
        CliResult put = Cli("put", WriteFile("in.bin", Pattern(5)), "--id", "xyz");
        Assert.Equal(ExitCodes.Usage, put.ExitCode);
        Assert.Contains("40 hex digits", put.Error);
        Assert.Empty(Client.List());
    }

    [Fact]
    public void Get_of_a_malformed_id_is_a_usage_error()
    {
        CliResult get = Cli("get", "1234");
        Assert.Equal(ExitCodes.Usage, get.ExitCode);
        Assert.Contains("'1234' is not an object id", get.Error);
    }

    [Fact]
    public void Get_of_a_missing_object_fails_with_exit_code_2()
    {
        string id = new('b', 40);
        CliResult get = Cli("get", id);
        Assert.Equal(ExitCodes.NotFound, get.ExitCode);
        Assert.Contains($"object {id} is not in the store", get.Error);
        Assert.Empty(get.StdoutBytes);
    }

    [Fact]
    public void Get_of_an_unsealed_object_says_so_and_fails_with_exit_code_2()
    {
        ObjectId id = ObjectId.NewRandom();
        using WritablePlasmaObject creating = Client.Create(id, 100);
        CliResult get = Cli("get", id.ToString());
        Assert.Equal(ExitCodes.NotFound, get.ExitCode);
        Assert.Contains("not sealed yet", get.Error);
    }

    [Fact]
    public void Get_with_timeout_waits_for_an_object_sealed_meanwhile()
    {
        ObjectId id = ObjectId.NewRandom();
        WritablePlasmaObject creating = Client.Create(id, 3);
        var sealer = Task.Run(async () =>
        {
            await Task.Delay(300);
            "abc"u8.CopyTo(creating.Span);
            creating.Seal();
            creating.Dispose();
        });
        CliResult get = Cli("get", id.ToString(), "--timeout", "20000");
        sealer.Wait();
        Assert.Equal(ExitCodes.Ok, get.ExitCode);
        Assert.Equal("abc"u8.ToArray(), get.StdoutBytes);
    }

    [Fact]
    public void Rm_deletes_objects_and_reports_missing_ones_with_exit_code_2()
    {
        ObjectId a = ObjectId.NewRandom(), b = ObjectId.NewRandom(), missing = ObjectId.NewRandom();
        Client.Put(a, Pattern(10));
        Client.Put(b, Pattern(20));
        CliResult rm = Cli("rm", a.ToString(), missing.ToString(), b.ToString());
        Assert.Equal(ExitCodes.NotFound, rm.ExitCode);
        Assert.Contains($"deleted {a}", rm.Out);
        Assert.Contains($"deleted {b}", rm.Out);
        Assert.Contains($"object {missing} is not in the store", rm.Error);
        Assert.Empty(Client.List());

        Client.Put(a, Pattern(10));
        Assert.Equal(ExitCodes.Ok, Cli("rm", a.ToString()).ExitCode);
        Assert.False(Client.Contains(a));
    }

    [Fact]
    public void Rm_of_an_object_in_use_defers_the_delete_until_it_is_released()
    {
        ObjectId id = ObjectId.NewRandom();
        Client.Put(id, Pattern(10));
        using (PlasmaClient holder = PlasmaClient.Connect(Store.SocketPath))
        using (PlasmaObject? held = holder.Get(id, TimeSpan.FromSeconds(5)))
        {
            Assert.NotNull(held);
            CliResult rm = Cli("rm", id.ToString());
            Assert.Equal(ExitCodes.Ok, rm.ExitCode);
            Assert.Contains($"in use {id}", rm.Out);
        }
        // The holder let go: the store completes the deferred delete.
        for (int i = 0; i < 500 && Client.Contains(id); i++) Thread.Sleep(20);
        Assert.False(Client.Contains(id));
    }

    [Fact]
    public void Rm_without_ids_is_a_usage_error()
    {
        Assert.Equal(ExitCodes.Usage, Cli("rm").ExitCode);
    }
}
