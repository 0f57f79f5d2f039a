using System.Diagnostics;

namespace PlasmaSharp.Cli.Tests;

/// <summary>The real executable (as `dotnet PlasmaSharp.Cli.dll`): exit codes and streams as a shell sees them.</summary>
public sealed class ProcessTests : CliTestBase
{
    internal static (int Code, string Out, string Error) RunTool(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "PlasmaSharp.Cli.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment.Remove(CliApp.SocketVariable);
        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "the tool did not exit");
        return (process.ExitCode, output.Result, error.Result);
    }

    [Fact]
    public void The_executable_puts_lists_and_reports_errors_with_its_exit_codes()
    {
        string file = WriteFile("in.bin", Pattern(4096));
        var put = RunTool("put", file, "--socket", Store.SocketPath);
        Assert.Equal(ExitCodes.Ok, put.Code);
        string id = put.Out.Trim();
        Assert.True(Client.Contains(ObjectId.Parse(id)));

        var ls = RunTool("ls", "--socket", Store.SocketPath);
        Assert.Equal(ExitCodes.Ok, ls.Code);
        Assert.Contains(id, ls.Out);

        Assert.Equal(ExitCodes.NotFound, RunTool("get", new string('c', 40), "--socket", Store.SocketPath).Code);
        Assert.Equal(ExitCodes.StoreUnreachable, RunTool("ls", "--socket", Path.Combine(TempDir, "none.sock")).Code);
        Assert.Equal(ExitCodes.Usage, RunTool("ls").Code);
    }
}
