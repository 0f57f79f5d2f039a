using Spectre.Console;

namespace PlasmaSharp.Cli;

/// <summary>Where a command reads and writes: the real console in the tool, buffers in tests.</summary>
public sealed class CliConsole
{
    /// <summary>Text output (tables, ids, messages).</summary>
    public required TextWriter Out { get; init; }
    /// <summary>Error messages.</summary>
    public required TextWriter Error { get; init; }
    /// <summary>Binary standard output (get without -o).</summary>
    public required Func<Stream> OpenStandardOutput { get; init; }
    /// <summary>Binary standard input (put -).</summary>
    public required Func<Stream> OpenStandardInput { get; init; }
    /// <summary>Environment lookup (PLASMA_STORE_SOCKET).</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Where progress bars, the stats table and watch's live table are drawn; null when
    /// standard output is not a terminal (redirected, piped, tests): then every command prints
    /// plain lines that scripts can parse.</summary>
    public IAnsiConsole? Terminal { get; init; }

    /// <summary>The process's console.</summary>
    public static CliConsole System { get; } = new()
    {
        Out = Console.Out,
        Error = Console.Error,
        OpenStandardOutput = Console.OpenStandardOutput,
        OpenStandardInput = Console.OpenStandardInput,
        Terminal = Console.IsOutputRedirected ? null : AnsiConsole.Console,
    };
}
