using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Reflection;

namespace PlasmaSharp.Cli;

/// <summary>plasmasharp's entry point, callable in-process (tests) as well as from Main.</summary>
public static class CliApp
{
    /// <summary>The environment variable naming the default store socket.</summary>
    public const string SocketVariable = "PLASMA_STORE_SOCKET";

    /// <summary>Printed after the generated help of every command.</summary>
    internal const string HelpEpilogue =
        "Arguments may also come from a response file: plasmasharp @FILE (one or more per line).\n" +
        "Tab completion: see the shell hook in the tool's README ([suggest] directive).\n" +
        "\n" +
        ExitCodes.Help;

    /// <summary>Runs one command line; returns the exit code.</summary>
    public static int Run(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        RootCommand root = CommandTree.Build(console, cancellationToken);
        foreach (Option option in root.Options)
        {
            if (option is HelpOption help && help.Action is HelpAction generated) help.Action = new HelpWithEpilogue(generated);
            if (option is VersionOption version) version.Action = new VersionWithNativeLibrary();
        }
        var invocation = new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            // Exceptions are mapped to exit codes by Guard; Ctrl+C is Program's (one handler for all commands).
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        };
        if (args.Length == 0)
        {
            // No command: the help, on the error stream, and a failure (a script ran us wrongly).
            root.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = console.Error, Error = console.Error });
            return ExitCodes.Usage;
        }
        ParseResult parsed = root.Parse(args);
        if (parsed.Action is ParseErrorAction) return ReportParseErrors(parsed, console);
        return parsed.Invoke(invocation);
    }

    /// <summary>Parse errors in the tool's own words ("unknown option '--x'"), then a hint to --help.</summary>
    private static int ReportParseErrors(ParseResult parsed, CliConsole console)
    {
        bool atRoot = parsed.CommandResult.Command is RootCommand;
        var messages = parsed.UnmatchedTokens.Select(token =>
            token.StartsWith('-') && token.Length > 1 ? $"unknown option '{token}'"
            : atRoot ? $"unknown command '{token}'"
            : $"{parsed.CommandResult.Command.Name}: unexpected argument '{token}'").ToList();
        // The rest in System.CommandLine's words, without repeating the unmatched tokens.
        List<ParseError> others = parsed.Errors.Where(e => !parsed.UnmatchedTokens.Any(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal))).ToList();
        // "Required command was not provided" (on the root) only when nothing else explains the failure.
        List<ParseError> specific = others.Where(e => e.SymbolResult is not CommandResult { Command: RootCommand }).ToList();
        messages.AddRange((messages.Count + specific.Count > 0 ? specific : others).Select(e => e.Message));
        foreach (string message in messages) console.Error.WriteLine($"plasmasharp: {message}");
        console.Error.WriteLine($"Try 'plasmasharp {(atRoot ? "" : parsed.CommandResult.Command.Name + " ")}--help'.");
        return ExitCodes.Usage;
    }

    /// <summary>The exit code and message for a failure a command can meet; null for anything else
    /// (a bug, left to propagate). Most specific types first: the Plasma exceptions share a base.</summary>
    private static (int Code, string Message)? Failure(Exception e) => e switch
    {
        UsageException => (ExitCodes.Usage, e.Message),
        StoreUnreachableException => (ExitCodes.StoreUnreachable, e.Message),
        ObjectNotFoundException => (ExitCodes.NotFound, e.Message),
        ObjectExistsException => (ExitCodes.AlreadyExists, e.Message),
        StoreFullException => (ExitCodes.StoreFull, $"the store is full: {e.Message}"),
        PlasmaException p => (p.ErrorCode == PlasmaErrorCode.Disconnected ? ExitCodes.StoreUnreachable : ExitCodes.StoreError, e.Message),
        LocalFileException => (ExitCodes.FileError, e.Message),
        RedisUnreachableException => (ExitCodes.RedisUnreachable, e.Message),
        TimeoutException => (ExitCodes.StoreError, e.Message),
        _ => null,
    };

    /// <summary>Runs a command's body, turning the failures it can meet into messages and exit codes.</summary>
    internal static int Guard(CliConsole console, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (Failure(e) is (int code, string message))
        {
            console.Error.WriteLine($"plasmasharp: {message}");
            if (code == ExitCodes.Usage) console.Error.WriteLine("Try 'plasmasharp --help'.");
            return code;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Interrupted;
        }
    }

    /// <summary>Connects to the store at <paramref name="socket"/> (or $PLASMA_STORE_SOCKET) and runs <paramref name="body"/>.</summary>
    internal static int WithStore(string? socket, CliConsole console, Func<PlasmaClient, int> body)
    {
        socket ??= console.GetEnvironmentVariable(SocketVariable) ?? "";
        if (socket.Length == 0)
            throw new UsageException($"no store socket: pass --socket PATH or set {SocketVariable}");
        using PlasmaClient client = Connect(socket);
        try
        {
            return body(client);
        }
        catch (PlasmaConnectionException e)
        {
            throw new StoreUnreachableException($"lost the store at {socket}: {e.Message}");
        }
    }

    private static PlasmaClient Connect(string socket)
    {
        if (!File.Exists(socket))
            throw new StoreUnreachableException(
                $"no store socket at {socket}: start a store (plasma-store -m BYTES -s {socket}) or pass the right --socket / {SocketVariable}");
        try
        {
            return PlasmaClient.Connect(socket, new PlasmaClientOptions { ConnectAttempts = 2, ConnectRetryDelay = TimeSpan.FromMilliseconds(100) });
        }
        catch (PlasmaException e)
        {
            throw new StoreUnreachableException($"cannot connect to a store at {socket} (is it running?): {e.Message}");
        }
    }

    /// <summary>The generated help, then the exit codes and the notes on response files and completion.</summary>
    private sealed class HelpWithEpilogue(HelpAction generated) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            generated.Invoke(parseResult);
            parseResult.InvocationConfiguration.Output.WriteLine(HelpEpilogue);
            return ExitCodes.Ok;
        }
    }

    /// <summary>--version: the tool's version and the native library's (they ship together but are worth telling apart).</summary>
    private sealed class VersionWithNativeLibrary : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            string? version = typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];
            parseResult.InvocationConfiguration.Output.WriteLine($"plasmasharp {version}, native library {PlasmaClient.NativeVersion}");
            return ExitCodes.Ok;
        }
    }
}

/// <summary>The store cannot be reached: exit code 3.</summary>
internal sealed class StoreUnreachableException(string message) : Exception(message);

/// <summary>A local file cannot be read or written: exit code 6.</summary>
internal sealed class LocalFileException(string message) : Exception(message);

/// <summary>The cluster's Redis cannot be reached: exit code 8.</summary>
internal sealed class RedisUnreachableException(string message, Exception inner) : Exception(message, inner);
