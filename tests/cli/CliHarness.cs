using Spectre.Console;

namespace PlasmaSharp.Cli.Tests;

/// <summary>One run of the tool, in-process: exit code, text output, error text, binary stdout.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error, byte[] StdoutBytes);

/// <summary>A fresh store per test (tests never see each other's objects or notifications) and a way
/// to run the tool's entry point against it.</summary>
public abstract class CliTestBase : IAsyncLifetime
{
    protected PlasmaStore Store { get; private set; } = null!;
    protected PlasmaClient Client { get; private set; } = null!;
    protected string TempDir { get; } = Directory.CreateTempSubdirectory("plasmasharp-cli-test-").FullName;
    protected const long Capacity = 64L << 20;

    public async Task InitializeAsync()
    {
        Store = await PlasmaStore.StartAsync(Capacity);
        Client = PlasmaClient.Connect(Store.SocketPath);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Store.StopAsync();
        Directory.Delete(TempDir, recursive: true);
    }

    /// <summary>Runs plasmasharp with --socket pointing at this test's store (unless given).</summary>
    protected CliResult Cli(params string[] args) => CliWith(null, null, default, args.Append("--socket").Append(Store.SocketPath).ToArray());

    /// <summary>Runs plasmasharp with exactly these arguments, optional stdin bytes and environment.</summary>
    protected static CliResult CliWith(byte[]? stdin, Dictionary<string, string?>? environment, CancellationToken token, params string[] args)
        => CliWithErrorWriter(new StringWriter(), stdin, environment, token, args);

    /// <summary>Like <see cref="CliWith"/>, with the error text going to <paramref name="error"/> as it is written.</summary>
    protected static CliResult CliWithErrorWriter(StringWriter error, byte[]? stdin, Dictionary<string, string?>? environment,
                                                  CancellationToken token, params string[] args)
        => Run(error, stdin, environment, null, token, args);

    /// <summary>Runs plasmasharp against this test's store as if standard output were a terminal:
    /// tables and progress bars go to <paramref name="terminal"/>, plain text to the result's Out.</summary>
    protected CliResult CliOnTerminal(IAnsiConsole terminal, StringWriter? error = null, params string[] args)
        => Run(error ?? new StringWriter(), null, null, terminal, default, args.Append("--socket").Append(Store.SocketPath).ToArray());

    private static CliResult Run(StringWriter error, byte[]? stdin, Dictionary<string, string?>? environment, IAnsiConsole? terminal,
                                 CancellationToken token, string[] args)
    {
        var output = new StringWriter();
        var stdout = new MemoryStream();
        var console = new CliConsole
        {
            Out = output,
            Error = error,
            OpenStandardOutput = () => new NonClosingStream(stdout),
            OpenStandardInput = () => new MemoryStream(stdin ?? []),
            GetEnvironmentVariable = name => environment is not null && environment.TryGetValue(name, out string? v) ? v : null,
            Terminal = terminal,
        };
        int code = CliApp.Run(args, console, token);
        return new CliResult(code, output.ToString(), error.ToString(), stdout.ToArray());
    }

    protected string WriteFile(string name, byte[] content)
    {
        string path = Path.Combine(TempDir, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    protected static byte[] Pattern(int length, int seed = 0)
    {
        var data = new byte[length];
        for (int i = 0; i < length; i++) data[i] = (byte)(i % 251 + seed);
        return data;
    }

    /// <summary>A StringWriter that signals once its text contains <paramref name="marker"/>.</summary>
    protected sealed class SignalingWriter(string marker) : StringWriter
    {
        public ManualResetEventSlim Seen { get; } = new();

        public override void WriteLine(string? value)
        {
            lock (this) base.WriteLine(value);
            if (value?.Contains(marker, StringComparison.Ordinal) == true) Seen.Set();
        }
    }

    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
    }
}
