using System.Globalization;
using PlasmaSharp.Cluster;
using StackExchange.Redis;

namespace PlasmaSharp.Cli;

/// <summary>node, nodes, ls --cluster: commands about the cluster's tables in Redis (cluster/README.md).
/// They need no store socket, only --redis (or $PLASMASHARP_REDIS).</summary>
internal static class ClusterCommands
{
    public const string RedisVariable = "PLASMASHARP_REDIS";

    /// <summary>True for the commands this class runs.</summary>
    public static bool Handles(string command, string[] rest) =>
        command is "node" or "nodes" || (command == "ls" && rest.Contains("--cluster"));

    public static int Run(string command, string[] rest, CliConsole console, CancellationToken cancellationToken)
    {
        Arguments a;
        switch (command)
        {
            case "node":
                a = Arguments.Parse(rest, ["--redis", "--node-id", "--memory", "--socket", "--store-socket", "--ttl", "--listen"], []);
                break;
            case "nodes":
                a = Arguments.Parse(rest, ["--redis"], []);
                break;
            default:
                a = Arguments.Parse(rest, ["--redis"], ["--cluster"]);
                break;
        }
        if (a.Positionals.Count != 0) throw new UsageException($"{command} takes no arguments");
        string redis = a.Option("--redis") ?? console.GetEnvironmentVariable(RedisVariable) ?? "";
        if (redis.Length == 0) throw new UsageException($"no Redis: pass --redis HOST:PORT[,password=...] or set {RedisVariable}");
        try
        {
            return command switch
            {
                "node" => Node(a, redis, console, cancellationToken),
                "nodes" => Nodes(redis, console),
                _ => List(redis, console, cancellationToken),
            };
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            // Unreachable, refused (wrong password, NOAUTH) or timed out: the cluster cannot be read.
            console.Error.WriteLine($"plasmasharp: cannot reach Redis at {redis.Split(',')[0]}: {e.Message}");
            return ExitCodes.RedisUnreachable;
        }
    }

    private static int Node(Arguments a, string redis, CliConsole console, CancellationToken cancellationToken)
    {
        var options = new PlasmaNodeOptions
        {
            Redis = redis,
            StoreSocket = a.Option("--store-socket"),
            Socket = a.Option("--socket"),
            Memory = a.Option("--memory") is { } m ? Arguments.ParseBytes(m, "--memory") : null,
        };
        if (a.Option("--node-id") is { } id) options.NodeId = id;
        if (a.Option("--ttl") is { } ttl) options.Ttl = ParseSeconds(ttl, "--ttl");
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
            app = PlasmaNodeHost.Build(options, a.Option("--listen") ?? "127.0.0.1");
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        // Runs until SIGINT/SIGTERM (the host's console lifetime) or the tool's own Ctrl+C token.
        Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.RunAsync(app, cancellationToken).GetAwaiter().GetResult();
        return ExitCodes.Ok;
    }

    private static int Nodes(string redis, CliConsole console)
    {
        using PlasmaCluster cluster = PlasmaCluster.Connect(redis);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        console.Out.WriteLine($"{"NODE",-24}  {"ADDRESS",-26}  {"OBJECTS",8}  {"USED",10}  {"CAPACITY",10}  {"VERSION",-8}  {"UP",-7}  HEARTBEAT");
        foreach (ClusterNodeInfo n in cluster.Nodes())
            console.Out.WriteLine($"{n.Id,-24}  {(n.Address.Length > 0 ? n.Address : "-"),-26}  {n.ObjectCount,8}  {StoreCommands.Human(n.UsedBytes),10}  " +
                                  $"{StoreCommands.Human(n.Capacity),10}  {n.Version,-8}  {StoreCommands.Age(now - n.StartTime),-7}  {StoreCommands.Age(now - n.LastHeartbeat)} ago");
        return ExitCodes.Ok;
    }

    private static int List(string redis, CliConsole console, CancellationToken cancellationToken)
    {
        using PlasmaCluster cluster = PlasmaCluster.Connect(redis);
        console.Out.WriteLine($"{"ID",-40}  {"NODE",-24}  {"DATA",12}  {"METADATA",8}  DIGEST");
        var rows = cluster.ListAsync(cancellationToken).ToBlockingEnumerable(cancellationToken)
            .OrderBy(l => l.Id.ToString(), StringComparer.Ordinal).ThenBy(l => l.NodeId, StringComparer.Ordinal);
        foreach (ObjectLocation l in rows)
            console.Out.WriteLine($"{l.Id,-40}  {l.NodeId,-24}  {l.DataSize,12}  {l.MetadataSize,8}  {l.Digest}{(l.IsSpilled ? "  spilled" : "")}");
        return ExitCodes.Ok;
    }

    /// <summary>"10", "2.5", "2s", "500ms".</summary>
    internal static TimeSpan ParseSeconds(string text, string what)
    {
        string t = text.Trim().ToLowerInvariant();
        double scale = 1;
        if (t.EndsWith("ms", StringComparison.Ordinal))
        {
            scale = 0.001;
            t = t[..^2];
        }
        else if (t.EndsWith('s'))
        {
            t = t[..^1];
        }
        if (double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double v) && v > 0 && v * scale < 86400)
            return TimeSpan.FromSeconds(v * scale);
        throw new UsageException($"{what}: '{text}' is not a duration (seconds, e.g. 10, 2.5, 500ms)");
    }
}
