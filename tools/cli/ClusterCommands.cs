using System.Globalization;
using Microsoft.Extensions.Logging;
using PlasmaSharp.Cluster;
using PlasmaSharp.Cluster.Transfer;
using StackExchange.Redis;

namespace PlasmaSharp.Cli;

/// <summary>node, nodes, ls --cluster: commands about the cluster's tables in Redis (cluster/README.md).
/// They need no store socket, only --redis (or $PLASMASHARP_REDIS).</summary>
internal static class ClusterCommands
{
    public const string RedisVariable = "PLASMASHARP_REDIS";

    /// <summary>node's options, parsed (null: not given).</summary>
    public sealed record NodeArguments(string? NodeId, long? Memory, string? Socket, string? StoreSocket, TimeSpan? Ttl, string? Listen,
                                       string? TokenFile, string? TlsCertificate, string? TlsKey, string? TlsCa = null, bool Prefault = false);

    /// <summary>--redis, else $PLASMASHARP_REDIS; neither is a usage error.</summary>
    private static string ResolveRedis(string? redis, CliConsole console)
    {
        redis ??= console.GetEnvironmentVariable(RedisVariable) ?? "";
        if (redis.Length == 0) throw new UsageException($"no Redis: pass --redis HOST:PORT[,password=...] or set {RedisVariable}");
        return redis;
    }

    /// <summary>Runs <paramref name="body"/>; Redis failures become exit code 8, naming the server.</summary>
    private static int WithRedis(string redis, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            // Unreachable, refused (wrong password, NOAUTH) or timed out: the cluster cannot be read.
            throw new RedisUnreachableException($"cannot reach Redis at {redis.Split(',')[0]}: {e.Message}", e);
        }
    }

    public static int Node(string? redisOption, NodeArguments a, CliConsole console, CancellationToken cancellationToken)
    {
        string redis = ResolveRedis(redisOption, console);
        var options = new PlasmaNodeOptions
        {
            Redis = redis,
            StoreSocket = a.StoreSocket,
            Socket = a.Socket,
            Memory = a.Memory,
            Prefault = a.Prefault,
        };
        if (a.NodeId is { } id) options.NodeId = id;
        if (a.Ttl is { } ttl) options.Ttl = ttl;
        options.TlsCertificateFile = a.TlsCertificate;
        options.TlsKeyFile = a.TlsKey;
        ReadTransferSecrets(options.Transfer, a.TokenFile, a.TlsCa);
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"node: {e.Message} (--store-socket PATH, or --memory BYTES --socket PATH)");
        }
        Microsoft.AspNetCore.Builder.WebApplication app;
        try
        {
            app = PlasmaNodeHost.Build(options, a.Listen ?? "127.0.0.1");
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        // Runs until SIGINT/SIGTERM (the host's console lifetime) or the tool's own Ctrl+C token.
        return WithRedis(redis, () =>
        {
            Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.RunAsync(app, cancellationToken).GetAwaiter().GetResult();
            return ExitCodes.Ok;
        });
    }

    /// <summary>get --cluster: the object from the local store, pulled there from a live holder first
    /// if the store lacks it (waiting up to the timeout for a node to seal it).</summary>
    public static int Get(string? redisOption, string? socketOption, string? tokenFile, string? tlsCa, ObjectId id, long timeoutMs, string? output,
                          CliConsole console, CancellationToken cancellationToken)
    {
        string redis = ResolveRedis(redisOption, console);
        string socket = socketOption ?? console.GetEnvironmentVariable(CliApp.SocketVariable) ?? "";
        if (socket.Length == 0) throw new UsageException($"get --cluster pulls into a store: pass --socket PATH or set {CliApp.SocketVariable}");
        var options = new PlasmaClusterOptions { StoreSocket = socket, Logger = ErrorLogger(console) };
        ReadTransferSecrets(options.Transfer, tokenFile, tlsCa);
        return WithRedis(redis, () =>
        {
            using PlasmaCluster cluster = PlasmaCluster.Connect(redis, options);
            PlasmaObject? obj;
            try
            {
                obj = cluster.GetAsync(id, TimeSpan.FromMilliseconds(timeoutMs), cancellationToken).GetAwaiter().GetResult();
            }
            catch (PlasmaConnectionException e)
            {
                throw new StoreUnreachableException($"lost the store at {socket}: {e.Message}");
            }
            using (obj)
            {
                if (obj is null)
                {
                    console.Error.WriteLine($"plasmasharp: object {id} is neither in the store nor on a live node{(timeoutMs > 0 ? $" (waited {timeoutMs} ms)" : "")}");
                    return ExitCodes.NotFound;
                }
                return ObjectCommands.Write(obj, id, output, console);
            }
        });
    }

    /// <summary>--token-file and --tls-ca: what every puller (node or get --cluster) needs to reach the holders.</summary>
    /// <exception cref="UsageException">A file cannot be read or holds nothing usable.</exception>
    private static void ReadTransferSecrets(ObjectTransferOptions transfer, string? tokenFile, string? tlsCa)
    {
        try
        {
            if (tokenFile is not null) transfer.Token = ObjectTransferOptions.ReadTokenFile(tokenFile);
            if (tlsCa is not null) transfer.TrustedRoots = ObjectTransferOptions.ReadTrustedRootsFile(tlsCa);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>Pull retries and Redis trouble go to standard error (standard output may carry the data).</summary>
    private static ILogger ErrorLogger(CliConsole console) => new StandardErrorLogger(console.Error);

    private sealed class StandardErrorLogger(TextWriter error) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) error.WriteLine($"plasmasharp: {formatter(state, exception)}");
        }
    }

    public static int Nodes(string? redisOption, CliConsole console)
    {
        string redis = ResolveRedis(redisOption, console);
        return WithRedis(redis, () => PrintNodes(redis, console));
    }

    private static int PrintNodes(string redis, CliConsole console)
    {
        using PlasmaCluster cluster = PlasmaCluster.Connect(redis);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        console.Out.WriteLine($"{"NODE",-24}  {"ADDRESS",-26}  {"OBJECTS",8}  {"USED",10}  {"CAPACITY",10}  {"VERSION",-8}  {"UP",-7}  HEARTBEAT");
        foreach (ClusterNodeInfo n in cluster.Nodes())
            console.Out.WriteLine($"{n.Id,-24}  {(n.Address.Length > 0 ? n.Address : "-"),-26}  {n.ObjectCount,8}  {StoreCommands.Human(n.UsedBytes),10}  " +
                                  $"{StoreCommands.Human(n.Capacity),10}  {n.Version,-8}  {StoreCommands.Age(now - n.StartTime),-7}  {StoreCommands.Age(now - n.LastHeartbeat)} ago");
        return ExitCodes.Ok;
    }

    public static int List(string? redisOption, CliConsole console, CancellationToken cancellationToken)
    {
        string redis = ResolveRedis(redisOption, console);
        return WithRedis(redis, () => PrintObjects(redis, console, cancellationToken));
    }

    private static int PrintObjects(string redis, CliConsole console, CancellationToken cancellationToken)
    {
        using PlasmaCluster cluster = PlasmaCluster.Connect(redis);
        console.Out.WriteLine($"{"ID",-40}  {"NODE",-24}  {"DATA",12}  {"METADATA",8}  DIGEST");
        var rows = cluster.ListAsync(cancellationToken).ToBlockingEnumerable(cancellationToken)
            .OrderBy(l => l.Id.ToString(), StringComparer.Ordinal).ThenBy(l => l.NodeId, StringComparer.Ordinal);
        foreach (ObjectLocation l in rows)
            console.Out.WriteLine($"{l.Id,-40}  {l.NodeId,-24}  {l.DataSize,12}  {l.MetadataSize,8}  {l.Digest}{(l.IsSpilled ? "  spilled" : "")}");
        return ExitCodes.Ok;
    }
}
