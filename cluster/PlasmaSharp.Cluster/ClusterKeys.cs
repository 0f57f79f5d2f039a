using StackExchange.Redis;

namespace PlasmaSharp.Cluster;

/// <summary>The Redis key layout (cluster/README.md has the table). Every key starts with
/// <see cref="Prefix"/>, so a Redis shared with other applications keeps them apart.
/// Liveness is a key with a TTL refreshed by heartbeats: Redis's own clock decides who is dead,
/// so clocks of the nodes never have to agree.</summary>
public static class ClusterKeys
{
    /// <summary>The prefix of every key PlasmaSharp writes.</summary>
    public const string Prefix = "plasmasharp:";

    /// <summary>SET of every node id that registered and has not been cleaned up yet (live or dead).</summary>
    public static RedisKey Nodes { get; } = Prefix + "nodes";

    /// <summary>HASH describing one node; it expires after the node's TTL unless heartbeats renew it.
    /// Missing key = dead node.</summary>
    public static RedisKey Node(string nodeId) => Prefix + "node:" + nodeId;

    /// <summary>HASH object id (40 hex) -> location entry: everything one node holds.</summary>
    public static RedisKey NodeObjects(string nodeId) => Prefix + "node:" + nodeId + ":objects";

    /// <summary>HASH node id -> location entry: every node that holds one object.</summary>
    public static RedisKey Object(ObjectId id) => Prefix + "obj:" + id.ToString();

    /// <summary>Pub/sub channel: every object id a node publishes as sealed (wakes Gets waiting for it).</summary>
    public const string Located = Prefix + "located";

    /// <summary>Node ids are part of key names: letters, digits, '.', '_', '-' (1 to 128 of them).</summary>
    public static bool IsValidNodeId(string id) =>
        id.Length is > 0 and <= 128 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
