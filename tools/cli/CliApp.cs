using System.Reflection;

namespace PlasmaSharp.Cli;

/// <summary>plasmasharp's entry point, callable in-process (tests) as well as from Main.</summary>
public static class CliApp
{
    /// <summary>The environment variable naming the default store socket.</summary>
    public const string SocketVariable = "PLASMA_STORE_SOCKET";

    internal const string Usage =
        "usage: plasmasharp <command> [arguments] [--socket PATH]\n" +
        "\n" +
        "commands:\n" +
        "  put FILE [--id HEX] [--metadata TEXT]   store FILE ('-' = stdin) as a new sealed object; prints its id\n" +
        "  get ID [-o FILE] [--timeout MS]         write the object's data to FILE (default: stdout)\n" +
        "  ls                                      table of objects: id, data and metadata sizes, ref count, state, age\n" +
        "  stats                                   capacity, bytes used, object counts\n" +
        "  watch [--count N]                       print seal and delete notifications until Ctrl+C (or N of them)\n" +
        "  rm ID...                                delete objects (in-use ones go once released)\n" +
        "  evict BYTES                             ask the store to evict unused objects (512M, 2G, ...)\n" +
        "\n" +
        "cluster commands (the node and object tables in Redis; --redis or $PLASMASHARP_REDIS, no --socket):\n" +
        "  node (--memory BYTES --socket PATH | --store-socket PATH) [--node-id ID] [--ttl SECONDS] [--listen IP[:PORT]]\n" +
        "                                          run a node agent beside a store until SIGINT/SIGTERM\n" +
        "  nodes                                   the live nodes: address, objects, bytes used, capacity, version\n" +
        "  ls --cluster                            every object on every live node: id, node, sizes, digest\n" +
        "\n" +
        "options:\n" +
        "  --socket PATH   the store's Unix socket (default: $" + SocketVariable + ")\n" +
        "  -h, --help      this text; --version: the tool's and the native library's versions\n" +
        "\n" +
        "ids are 40 hex digits, as pyarrow.plasma prints them.\n" +
        ExitCodes.Help;

    /// <summary>Runs one command line; returns the exit code.</summary>
    public static int Run(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Length == 0 ? console.Error : console.Out).WriteLine(Usage);
            return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }
        if (args[0] == "--version")
        {
            console.Out.WriteLine($"plasmasharp {typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]}, native library {PlasmaClient.NativeVersion}");
            return ExitCodes.Ok;
        }
        string command = args[0];
        string[] rest = args[1..];
        string socket = "(none)";
        try
        {
            if (rest.Contains("-h") || rest.Contains("--help"))
            {
                console.Out.WriteLine(Usage);
                return ExitCodes.Ok;
            }
            if (ClusterCommands.Handles(command, rest)) return ClusterCommands.Run(command, rest, console, cancellationToken);
            Func<Arguments, PlasmaClient, int> body;
            Arguments parsed;
            switch (command)
            {
                case "put":
                    parsed = Arguments.Parse(rest, ["--socket", "--id", "--metadata"], []);
                    body = (a, c) => ObjectCommands.Put(a, c, console);
                    break;
                case "get":
                    parsed = Arguments.Parse(rest, ["--socket", "-o", "--output", "--timeout"], []);
                    body = (a, c) => ObjectCommands.Get(a, c, console);
                    break;
                case "rm":
                    parsed = Arguments.Parse(rest, ["--socket"], []);
                    body = (a, c) => ObjectCommands.Remove(a, c, console);
                    break;
                case "ls":
                    parsed = Arguments.Parse(rest, ["--socket"], []);
                    body = (a, c) => StoreCommands.List(a, c, console);
                    break;
                case "stats":
                    parsed = Arguments.Parse(rest, ["--socket"], []);
                    body = (a, c) => StoreCommands.Stats(a, c, console);
                    break;
                case "evict":
                    parsed = Arguments.Parse(rest, ["--socket"], []);
                    body = (a, c) => StoreCommands.Evict(a, c, console);
                    break;
                case "watch":
                    parsed = Arguments.Parse(rest, ["--socket", "--count"], []);
                    body = (a, c) => WatchCommand.Run(a, c, console, cancellationToken);
                    break;
                default:
                    throw new UsageException($"unknown command '{command}'");
            }
            ObjectCommands.ValidateBeforeConnecting(command, parsed);
            socket = parsed.Option("--socket") ?? console.GetEnvironmentVariable(SocketVariable) ?? "";
            if (socket.Length == 0)
                throw new UsageException($"no store socket: pass --socket PATH or set {SocketVariable}");
            using PlasmaClient client = Connect(socket);
            return body(parsed, client);
        }
        catch (UsageException e)
        {
            console.Error.WriteLine($"plasmasharp: {e.Message}");
            console.Error.WriteLine("Try 'plasmasharp --help'.");
            return ExitCodes.Usage;
        }
        catch (StoreUnreachableException e)
        {
            console.Error.WriteLine($"plasmasharp: {e.Message}");
            return ExitCodes.StoreUnreachable;
        }
        catch (PlasmaConnectionException e)
        {
            console.Error.WriteLine($"plasmasharp: lost the store at {socket}: {e.Message}");
            return ExitCodes.StoreUnreachable;
        }
        catch (ObjectNotFoundException e)
        {
            console.Error.WriteLine($"plasmasharp: {e.Message}");
            return ExitCodes.NotFound;
        }
        catch (ObjectExistsException e)
        {
            console.Error.WriteLine($"plasmasharp: {e.Message}");
            return ExitCodes.AlreadyExists;
        }
        catch (StoreFullException e)
        {
            console.Error.WriteLine($"plasmasharp: the store is full: {e.Message}");
            return ExitCodes.StoreFull;
        }
        catch (PlasmaException e)
        {
            console.Error.WriteLine($"plasmasharp: {e.Message}");
            return e.ErrorCode == PlasmaErrorCode.Disconnected ? ExitCodes.StoreUnreachable : ExitCodes.StoreError;
        }
        catch (LocalFileException e)
        {
            console.Error.WriteLine($"plasmasharp: {e.Message}");
            return ExitCodes.FileError;
        }
        catch (TimeoutException e)
        {
            console.Error.WriteLine($"plasmasharp: {e.Message}");
            return ExitCodes.StoreError;
        }
        catch (OperationCanceledException)
        {
            return 130;
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
}

/// <summary>The store cannot be reached: exit code 3.</summary>
internal sealed class StoreUnreachableException(string message) : Exception(message);

/// <summary>A local file cannot be read or written: exit code 6.</summary>
internal sealed class LocalFileException(string message) : Exception(message);
