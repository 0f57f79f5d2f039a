namespace PlasmaSharp.Cluster;

/// <summary>The Lua scripts that change the tables. Each runs atomically in Redis, which is what
/// keeps a node's writes and a cleaner's deletions from interleaving: a node writes only while its
/// node key exists, a cleaner deletes only while it does not. StackExchange.Redis sends them by
/// SHA (EVALSHA) and re-sends the text after a Redis restart emptied the script cache.</summary>
internal static class TableScripts
{
    /// <summary>KEYS: nodes set, node key. ARGV: node id, ttl ms, field, value, field, value...</summary>
    public const string Register = """
        redis.call('DEL', KEYS[2])
        redis.call('HSET', KEYS[2], unpack(ARGV, 3))
        redis.call('PEXPIRE', KEYS[2], ARGV[2])
        redis.call('SADD', KEYS[1], ARGV[1])
        return 1
        """;

    /// <summary>KEYS: node key. ARGV: ttl ms, field, value... Returns 0 when the node key is gone
    /// (expired, Redis restarted, a cleaner took the node for dead): the node must register again.</summary>
    public const string Heartbeat = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        redis.call('HSET', KEYS[1], unpack(ARGV, 2))
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return 1
        """;

    /// <summary>KEYS: node key, node objects key. ARGV: object key prefix, node id, located channel,
    /// then triples (op 'S' = sealed / 'D' = deleted, object id, entry). A seal is also published on
    /// the channel (waking Gets that wait for the object). Returns the number applied, or -1 when
    /// the node is not registered (nothing is written then).</summary>
    public const string Publish = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
        local prefix, node, channel = ARGV[1], ARGV[2], ARGV[3]
        local n = 0
        for i = 4, #ARGV, 3 do
          local oid = ARGV[i + 1]
          if ARGV[i] == 'S' then
            redis.call('HSET', prefix .. oid, node, ARGV[i + 2])
            redis.call('HSET', KEYS[2], oid, ARGV[i + 2])
            redis.call('PUBLISH', channel, oid)
          else
            redis.call('HDEL', prefix .. oid, node)
            redis.call('HDEL', KEYS[2], oid)
          end
          n = n + 1
        end
        return n
        """;

    /// <summary>KEYS: node key, node objects key. ARGV: object key prefix, node id, object ids.
    /// Removes these locations of a dead node; -1 (nothing done) when the node is alive again.</summary>
    public const string ForgetObjects = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
        for i = 3, #ARGV do redis.call('HDEL', ARGV[1] .. ARGV[i], ARGV[2]) end
        if #ARGV >= 3 then redis.call('HDEL', KEYS[2], unpack(ARGV, 3)) end
        return #ARGV - 2
        """;

    /// <summary>KEYS: node key, node objects key, nodes set. ARGV: node id. Drops a dead node whose
    /// locations are all gone: 1 done, 0 locations left, -1 alive again.</summary>
    public const string ForgetNode = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
        if redis.call('HLEN', KEYS[2]) > 0 then return 0 end
        redis.call('SREM', KEYS[3], ARGV[1])
        return 1
        """;

    /// <summary>KEYS: object key. ARGV: node key prefix. Returns node, entry, alive (1/0) per holder:
    /// one round trip for a lookup, liveness included.</summary>
    public const string Locate = """
        local h = redis.call('HGETALL', KEYS[1])
        local out = {}
        for i = 1, #h, 2 do
          out[#out + 1] = h[i]
          out[#out + 1] = h[i + 1]
          out[#out + 1] = redis.call('EXISTS', ARGV[1] .. h[i])
        end
        return out
        """;

    /// <summary>KEYS: nodes set. ARGV: node key prefix. Returns id, {field, value...} per member
    /// (an empty list for a dead node).</summary>
    public const string Nodes = """
        local ids = redis.call('SMEMBERS', KEYS[1])
        local out = {}
        for _, id in ipairs(ids) do
          out[#out + 1] = id
          out[#out + 1] = redis.call('HGETALL', ARGV[1] .. id)
        end
        return out
        """;
}
