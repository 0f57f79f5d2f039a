using System.CommandLine;
using System.CommandLine.Completions;

namespace PlasmaSharp.Cli;

/// <summary>plasmasharp's commands, options and arguments as System.CommandLine symbols: the one
/// description from which parsing, --help, response files and [suggest] completions all come.
/// Built per run, so each run's actions see that run's console and cancellation token.</summary>
internal static class CommandTree
{
    public static RootCommand Build(CliConsole console, CancellationToken cancellationToken)
    {
        var root = new RootCommand(
            "Put, get, list, watch, delete and evict objects in a Plasma store (PlasmaSharp's plasma-store or " +
            "Apache Arrow's plasma-store-server), and read a PlasmaSharp cluster's tables in Redis. " +
            "Ids are 40 hex digits, as pyarrow.plasma prints them.")
        {
            // Not the host's name (dotnet, testhost, PlasmaSharp.Cli): the command users type.
            HelpName = "plasmasharp",
        };
        root.Add(Put(console));
        root.Add(Get(console, cancellationToken));
        root.Add(List(console, cancellationToken));
        root.Add(Stats(console));
        root.Add(Watch(console, cancellationToken));
        root.Add(Remove(console));
        root.Add(Evict(console));
        root.Add(Node(console, cancellationToken));
        root.Add(Nodes(console));
        return root;
    }

    private static Option<string> SocketOption() => new("--socket")
    {
        Description = $"The store's Unix socket [default: ${CliApp.SocketVariable}]",
        HelpName = "PATH",
    };

    private static Option<string> RedisOption() => new("--redis")
    {
        Description = $"The cluster's Redis, HOST:PORT[,password=...] [default: ${ClusterCommands.RedisVariable}]",
        HelpName = "HOST:PORT",
    };

    private static Argument<ObjectId> IdArgument(string description, Option<string> socket, CliConsole console)
    {
        var id = new Argument<ObjectId>("ID")
        {
            Description = description,
            CustomParser = r => Arguments.Parsed(r, Arguments.ParseId),
        };
        id.CompletionSources.Add(context => StoreIds(context, socket, console));
        return id;
    }

    /// <summary>Completions for an ID: the sealed objects in the store named on the line so far
    /// (or by $PLASMA_STORE_SOCKET). No store, no suggestions: completion never fails or waits long.</summary>
    private static IEnumerable<CompletionItem> StoreIds(CompletionContext context, Option<string> socket, CliConsole console)
    {
        try
        {
            string? path = context.ParseResult.GetValue(socket) ?? console.GetEnvironmentVariable(CliApp.SocketVariable);
            if (string.IsNullOrEmpty(path) || !File.Exists(path)) return [];
            using PlasmaClient client = PlasmaClient.Connect(path, new PlasmaClientOptions { ConnectAttempts = 1 });
            return client.List().Where(o => o.IsSealed).Select(o => o.Id.ToString())
                .Where(id => id.StartsWith(context.WordToComplete, StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).Select(id => new CompletionItem(id)).ToList();
        }
        catch (Exception)
        {
            // Whatever went wrong (no store, a half-typed option), the shell just gets no ids.
            return [];
        }
    }

    private static Command Put(CliConsole console)
    {
        var file = new Argument<string>("FILE") { Description = "The file to store ('-' = standard input)" };
        var id = new Option<ObjectId?>("--id")
        {
            Description = "The new object's id [default: a random one]",
            HelpName = "HEX",
            CustomParser = r => Arguments.Parsed<ObjectId?>(r, t => Arguments.ParseId(t)),
        };
        var metadata = new Option<string>("--metadata") { Description = "The object's metadata, as UTF-8 text (e.g. RAW)", HelpName = "TEXT" };
        var socket = SocketOption();
        var command = new Command("put", "Store FILE as a new sealed object; prints its id") { file, id, metadata, socket };
        command.SetAction(r => CliApp.Guard(console, () =>
        {
            string path = r.GetValue(file)!;
            // A missing file is reported before connecting, like a usage error.
            if (path != "-" && !File.Exists(path)) throw new LocalFileException($"cannot read {path}: no such file");
            return CliApp.WithStore(r.GetValue(socket), console,
                client => ObjectCommands.Put(path, r.GetValue(id), r.GetValue(metadata) ?? "", client, console));
        }));
        return command;
    }

    private static Option<string> TokenFileOption() => new("--token-file")
    {
        Description = "File whose first line is the cluster's bearer token for the object service [default: none, trusted network only]",
        HelpName = "PATH",
    };

    private static Option<string> TlsCaOption() => new("--tls-ca")
    {
        Description = "PEM file of the CA (or certificates) that other nodes' HTTPS certificates must chain to, for pulls [default: the system's trust store]",
        HelpName = "PATH",
    };

    private static Command Get(CliConsole console, CancellationToken cancellationToken)
    {
        var socket = SocketOption();
        var id = IdArgument("The object to read", socket, console);
        var output = new Option<string>("--output", "-o") { Description = "Write the data to FILE ('-' = standard output) [default: standard output]", HelpName = "FILE" };
        var timeout = new Option<long>("--timeout")
        {
            Description = "Wait up to MS milliseconds for the object to be sealed [default: 0, no wait]",
            HelpName = "MS",
            CustomParser = r => Arguments.Parsed(r, t => Arguments.ParseMilliseconds(t, "--timeout")),
        };
        var cluster = new Option<bool>("--cluster") { Description = "Pull the object from another node of the cluster into the store first, if the store lacks it (needs --redis)" };
        var redis = RedisOption();
        var tokenFile = TokenFileOption();
        var tlsCa = TlsCaOption();
        var command = new Command("get", "Write an object's data to a file or standard output") { id, output, timeout, socket, cluster, redis, tokenFile, tlsCa };
        command.SetAction(r => CliApp.Guard(console, () =>
        {
            if (r.GetValue(cluster))
                return ClusterCommands.Get(r.GetValue(redis), r.GetValue(socket), r.GetValue(tokenFile), r.GetValue(tlsCa), r.GetValue(id), r.GetValue(timeout),
                                           r.GetValue(output), console, cancellationToken);
            if (r.GetValue(redis) is not null) throw new UsageException("--redis is for get --cluster");
            if (r.GetValue(tokenFile) is not null || r.GetValue(tlsCa) is not null) throw new UsageException("--token-file and --tls-ca are for get --cluster");
            return CliApp.WithStore(r.GetValue(socket), console,
                client => ObjectCommands.Get(r.GetValue(id), r.GetValue(timeout), r.GetValue(output), client, console));
        }));
        return command;
    }

    private static Command Remove(CliConsole console)
    {
        var socket = SocketOption();
        var ids = new Argument<ObjectId[]>("ID")
        {
            Description = "The objects to delete",
            Arity = ArgumentArity.OneOrMore,
            CustomParser = r => Arguments.ParsedAll(r, Arguments.ParseId),
        };
        ids.CompletionSources.Add(context => StoreIds(context, socket, console));
        var command = new Command("rm", "Delete objects (objects in use are deleted once released)") { ids, socket };
        command.SetAction(r => CliApp.Guard(console, () => CliApp.WithStore(r.GetValue(socket), console,
            client => ObjectCommands.Remove(r.GetValue(ids)!, client, console))));
        return command;
    }

    private static Command List(CliConsole console, CancellationToken cancellationToken)
    {
        var cluster = new Option<bool>("--cluster") { Description = "List every object on every live node of the cluster (needs --redis, no --socket)" };
        var redis = RedisOption();
        var socket = SocketOption();
        var command = new Command("ls", "Table of objects: id, data and metadata sizes, ref count, state, age") { cluster, redis, socket };
        command.SetAction(r => CliApp.Guard(console, () =>
        {
            if (r.GetValue(cluster))
            {
                if (r.GetValue(socket) is not null) throw new UsageException("ls --cluster reads Redis, not a store: drop --socket");
                return ClusterCommands.List(r.GetValue(redis), console, cancellationToken);
            }
            if (r.GetValue(redis) is not null) throw new UsageException("--redis is for ls --cluster");
            return CliApp.WithStore(r.GetValue(socket), console, client => StoreCommands.List(client, console));
        }));
        return command;
    }

    private static Command Stats(CliConsole console)
    {
        var socket = SocketOption();
        var command = new Command("stats", "Capacity, bytes used and free, object counts") { socket };
        command.SetAction(r => CliApp.Guard(console, () => CliApp.WithStore(r.GetValue(socket), console,
            client => StoreCommands.Stats(client, console))));
        return command;
    }

    private static Command Evict(CliConsole console)
    {
        var bytes = new Argument<long>("BYTES")
        {
            Description = "How many bytes to free: 1048576, 512K, 64M, 2G (powers of 1024)",
            CustomParser = r => Arguments.Parsed(r, t => Arguments.ParseBytes(t, "evict")),
        };
        var socket = SocketOption();
        var command = new Command("evict", "Ask the store to evict unused objects") { bytes, socket };
        command.SetAction(r => CliApp.Guard(console, () => CliApp.WithStore(r.GetValue(socket), console,
            client => StoreCommands.Evict(r.GetValue(bytes), client, console))));
        return command;
    }

    private static Command Watch(CliConsole console, CancellationToken cancellationToken)
    {
        var count = new Option<int?>("--count")
        {
            Description = "Stop after N notifications [default: run until Ctrl+C]",
            HelpName = "N",
            CustomParser = r => Arguments.Parsed<int?>(r, t => Arguments.ParsePositive(t, "--count")),
        };
        var socket = SocketOption();
        var command = new Command("watch", "Print seal and delete notifications as they happen (a live table on a terminal)") { count, socket };
        command.SetAction(r => CliApp.Guard(console, () => CliApp.WithStore(r.GetValue(socket), console,
            client => WatchCommand.Run(r.GetValue(count), client, console, cancellationToken))));
        return command;
    }

    private static Command Node(CliConsole console, CancellationToken cancellationToken)
    {
        var redis = RedisOption();
        var nodeId = new Option<string>("--node-id") { Description = "This node's id in the cluster's tables [default: the host name]", HelpName = "ID" };
        var memory = new Option<long?>("--memory")
        {
            Description = "Start a bundled store of this size (with --socket)",
            HelpName = "BYTES",
            CustomParser = r => Arguments.Parsed<long?>(r, t => Arguments.ParseBytes(t, "--memory")),
        };
        var socket = new Option<string>("--socket") { Description = "The bundled store's socket (with --memory)", HelpName = "PATH" };
        var storeSocket = new Option<string>("--store-socket") { Description = "Serve a store that is already running at PATH", HelpName = "PATH" };
        var prefault = new Option<bool>("--prefault") { Description = "The bundled store populates its memory at start, in the background (with --memory)" };
        var ttl = new Option<TimeSpan?>("--ttl")
        {
            Description = "How long the node's entries live in Redis without a heartbeat (10, 2.5, 500ms)",
            HelpName = "SECONDS",
            CustomParser = r => Arguments.Parsed<TimeSpan?>(r, t => Arguments.ParseSeconds(t, "--ttl")),
        };
        var listen = new Option<string>("--listen") { Description = "Where the node serves transfers and /metrics [default: 127.0.0.1]", HelpName = "IP[:PORT]" };
        var tokenFile = TokenFileOption();
        var tlsCert = new Option<string>("--tls-cert") { Description = "Serve HTTPS with this certificate (PEM with --tls-key, or PKCS#12)", HelpName = "PATH" };
        var tlsKey = new Option<string>("--tls-key") { Description = "The PEM private key of --tls-cert", HelpName = "PATH" };
        var tlsCa = TlsCaOption();
        var command = new Command("node", "Run a node agent beside a store until SIGINT/SIGTERM (--memory BYTES --socket PATH, or --store-socket PATH)")
            { redis, nodeId, memory, socket, storeSocket, prefault, ttl, listen, tokenFile, tlsCert, tlsKey, tlsCa };
        command.SetAction(r => CliApp.Guard(console, () => ClusterCommands.Node(r.GetValue(redis), new ClusterCommands.NodeArguments(
            r.GetValue(nodeId), r.GetValue(memory), r.GetValue(socket), r.GetValue(storeSocket), r.GetValue(ttl), r.GetValue(listen),
            r.GetValue(tokenFile), r.GetValue(tlsCert), r.GetValue(tlsKey), r.GetValue(tlsCa), r.GetValue(prefault)),
            console, cancellationToken)));
        return command;
    }

    private static Command Nodes(CliConsole console)
    {
        var redis = RedisOption();
        var command = new Command("nodes", "The cluster's live nodes: address, objects, bytes used, capacity, version") { redis };
        command.SetAction(r => CliApp.Guard(console, () => ClusterCommands.Nodes(r.GetValue(redis), console)));
        return command;
    }
}
