using System.Globalization;
using PlasmaSharp.Cluster;
using StackExchange.Redis;

namespace PlasmaSharp.Cli;

/// <summary>node, nodes, ls --cluster: commands about the cluster's tables in Redis (cluster/README.md).
/// They need no store socket, only --redis (or $PLASMASHARP_REDIS).</summary>
internal static class ClusterCommands
{
    public const string RedisVariable = "PLASMASHARP_REDIS";

    /// <summary>node's options, parsed (null: not given).</summary>
    public sealed record NodeArguments(string? NodeId, long? Memory, string? Socket, string? StoreSocket, TimeSpan? Ttl, string? Listen);

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
        };
        if (a.NodeId is { } id) options.NodeId = id;
        if (a.Ttl is { } ttl) options.Ttl = ttl;
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
