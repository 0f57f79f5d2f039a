using System.Globalization;
using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace PlasmaSharp.Cluster;

/// <summary>One change of the object table: an object sealed (with its entry) or gone from a node.</summary>
internal readonly record struct TableUpdate(bool IsSeal, ObjectId Id, string Entry);

/// <summary>Reads and writes the node table and the object table (layout: <see cref="ClusterKeys"/>).
/// Shared by the node agent (writer) and <see cref="PlasmaCluster"/> (reader); both clean up dead
/// nodes when they notice one.</summary>
internal sealed class ClusterTable(IDatabase db)
{
    private static readonly string ObjectPrefix = ClusterKeys.Prefix + "obj:";
    private static readonly string NodePrefix = ClusterKeys.Prefix + "node:";
    private const int ForgetChunk = 1000;

    public IDatabase Database => db;

    public Task RegisterAsync(string nodeId, TimeSpan ttl, IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        var args = new List<RedisValue> { nodeId, TtlMs(ttl) };
        foreach (var (k, v) in fields)
        {
            args.Add(k);
            args.Add(v);
        }
        return db.ScriptEvaluateAsync(TableScripts.Register, [ClusterKeys.Nodes, ClusterKeys.Node(nodeId)], args.ToArray());
    }

    /// <returns>False when the node key was gone: the caller must register again.</returns>
    public async Task<bool> HeartbeatAsync(string nodeId, TimeSpan ttl, IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        var args = new List<RedisValue> { TtlMs(ttl) };
        foreach (var (k, v) in fields)
        {
            args.Add(k);
            args.Add(v);
        }
        RedisResult r = await db.ScriptEvaluateAsync(TableScripts.Heartbeat, [ClusterKeys.Node(nodeId)], args.ToArray()).ConfigureAwait(false);
        return (long)r == 1;
    }

    /// <returns>False when the node is not registered (nothing was written).</returns>
    public async Task<bool> PublishAsync(string nodeId, IReadOnlyList<TableUpdate> updates)
    {
        var args = new RedisValue[3 + 3 * updates.Count];
        args[0] = ObjectPrefix;
        args[1] = nodeId;
        args[2] = ClusterKeys.Located;
        int i = 3;
        foreach (TableUpdate u in updates)
        {
            args[i++] = u.IsSeal ? "S" : "D";
            args[i++] = u.Id.ToString();
            args[i++] = u.Entry;
        }
        RedisResult r = await db.ScriptEvaluateAsync(TableScripts.Publish,
            [ClusterKeys.Node(nodeId), ClusterKeys.NodeObjects(nodeId)], args).ConfigureAwait(false);
        return (long)r >= 0;
    }

    /// <summary>Everything the table says a node holds (live or not), by HSCAN: no long Redis stall.</summary>
    public async IAsyncEnumerable<(string ObjectId, string Entry)> ScanNodeObjectsAsync(
        string nodeId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (HashEntry e in db.HashScanAsync(ClusterKeys.NodeObjects(nodeId), pageSize: 1000).WithCancellation(cancellationToken).ConfigureAwait(false))
            yield return (e.Name.ToString(), e.Value.ToString());
    }

    /// <summary>Removes every location of a dead node, then the node itself. Stops (false) as soon as
    /// the node turns out to be alive again: its own republish wins.</summary>
    public async Task<bool> ForgetNodeAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        RedisKey nodeKey = ClusterKeys.Node(nodeId), objectsKey = ClusterKeys.NodeObjects(nodeId);
        while (true)
        {
            var chunk = new List<RedisValue> { ObjectPrefix, nodeId };
            await foreach (var (oid, _) in ScanNodeObjectsAsync(nodeId, cancellationToken).ConfigureAwait(false))
            {
                chunk.Add(oid);
                if (chunk.Count - 2 < ForgetChunk) continue;
                if (!await ForgetChunkAsync(nodeKey, objectsKey, chunk).ConfigureAwait(false)) return false;
                chunk.RemoveRange(2, chunk.Count - 2);
            }
            if (chunk.Count > 2 && !await ForgetChunkAsync(nodeKey, objectsKey, chunk).ConfigureAwait(false)) return false;
            long done = (long)await db.ScriptEvaluateAsync(TableScripts.ForgetNode, [nodeKey, objectsKey, ClusterKeys.Nodes], [nodeId]).ConfigureAwait(false);
            if (done == 1) return true;
            if (done == -1) return false;
            // 0: locations appeared while scanning (cannot happen for a dead node unless it came back): scan again.
        }
    }

    private async Task<bool> ForgetChunkAsync(RedisKey nodeKey, RedisKey objectsKey, List<RedisValue> chunk) =>
        (long)await db.ScriptEvaluateAsync(TableScripts.ForgetObjects, [nodeKey, objectsKey], chunk.ToArray()).ConfigureAwait(false) >= 0;

    /// <summary>A clean stop: the node key goes first (readers stop trusting it at once), then its locations.</summary>
    public async Task UnregisterAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        await db.KeyDeleteAsync(ClusterKeys.Node(nodeId)).ConfigureAwait(false);
        await ForgetNodeAsync(nodeId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Live nodes, and the ids of dead ones still listed.</summary>
    public async Task<(List<ClusterNodeInfo> Live, List<string> Dead)> ReadNodesAsync()
    {
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(TableScripts.Nodes, [ClusterKeys.Nodes], [NodePrefix]).ConfigureAwait(false))!;
        var live = new List<ClusterNodeInfo>();
        var dead = new List<string>();
        for (int i = 0; i + 1 < result.Length; i += 2)
        {
            string id = result[i].ToString();
            var fields = (RedisResult[])result[i + 1]!;
            if (fields.Length == 0)
            {
                dead.Add(id);
                continue;
            }
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int f = 0; f + 1 < fields.Length; f += 2) map[fields[f].ToString()] = fields[f + 1].ToString();
            live.Add(ToNode(id, map));
        }
        live.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return (live, dead);
    }

    /// <summary>Live holders of one object, and the ids of dead nodes still listed as holders.</summary>
    public async Task<(List<ObjectLocation> Live, List<string> Dead)> LocateAsync(ObjectId id)
    {
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(TableScripts.Locate, [ClusterKeys.Object(id)], [NodePrefix]).ConfigureAwait(false))!;
        var live = new List<ObjectLocation>();
        var dead = new List<string>();
        for (int i = 0; i + 2 < result.Length; i += 3)
        {
            string node = result[i].ToString();
            if ((long)result[i + 2] == 0)
            {
                dead.Add(node);
                continue;
            }
            if (ToLocation(id, node, result[i + 1].ToString()) is { } location) live.Add(location);
        }
        live.Sort((a, b) => string.CompareOrdinal(a.NodeId, b.NodeId));
        return (live, dead);
    }

    internal static ObjectLocation? ToLocation(ObjectId id, string node, string entry) =>
        LocationEntry.TryDecode(entry, out long data, out long metadata, out string digest, out bool spilled)
            ? new ObjectLocation(id, node, data, metadata, digest, spilled)
            : null;

    private static ClusterNodeInfo ToNode(string id, Dictionary<string, string> f)
    {
        long Long(string name) => f.TryGetValue(name, out string? v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n : 0;
        string Text(string name) => f.TryGetValue(name, out string? v) ? v : "";
        return new ClusterNodeInfo(id, Text(NodeFields.Address), Long(NodeFields.Capacity), Long(NodeFields.Used), Long(NodeFields.Objects),
            Text(NodeFields.Version), DateTimeOffset.FromUnixTimeMilliseconds(Long(NodeFields.Started)),
            DateTimeOffset.FromUnixTimeMilliseconds(Long(NodeFields.Heartbeat))) { TransferAddress = Text(NodeFields.Transfer) };
    }

    private static long TtlMs(TimeSpan ttl) => Math.Max(1, (long)ttl.TotalMilliseconds);
}

/// <summary>Field names of a node's hash.</summary>
internal static class NodeFields
{
    public const string Address = "address";
    public const string Transfer = "transfer";
    public const string Capacity = "capacity";
    public const string Used = "used";
    public const string Objects = "objects";
    public const string Version = "version";
    public const string Started = "started";
    public const string Heartbeat = "heartbeat";
    public const string TtlMs = "ttl_ms";
}
