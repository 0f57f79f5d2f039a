using PlasmaSharp.Cluster.Transfer;

namespace PlasmaSharp.Cluster;

/// <summary>What one node agent runs against: its Redis, its id, and either a store it starts
/// (<see cref="Memory"/> + <see cref="Socket"/>) or a running one (<see cref="StoreSocket"/>).</summary>
public sealed class PlasmaNodeOptions
{
    /// <summary>StackExchange.Redis connection string: "host:port", plus ",password=...", ",ssl=true" etc.</summary>
    public string Redis { get; set; } = "";

    /// <summary>This node's id in the tables (letters, digits, '.', '_', '-'). Default: host name + pid.</summary>
    public string NodeId { get; set; } = DefaultNodeId();

    /// <summary>Attach to the running Plasma store on this socket (ours or Apache Arrow's).</summary>
    public string? StoreSocket { get; set; }

    /// <summary>Start the bundled store with this capacity in bytes (needs <see cref="Socket"/>).</summary>
    public long? Memory { get; set; }

    /// <summary>The socket of the bundled store to start.</summary>
    public string? Socket { get; set; }

    /// <summary>The bundled store populates its memory at start, in the background
    /// (<c>plasma-store --prefault</c>; see <see cref="PlasmaStoreOptions.Prefault"/>).</summary>
    public bool Prefault { get; set; }

    /// <summary>A node whose heartbeats stop is dead after this long. Heartbeats go every TTL/3.</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The address registered for this node (its HTTP service); null = what the host's server
    /// listens on, if any.</summary>
    public string? Address { get; set; }

    /// <summary>The port of the object service (gRPC over HTTP/2, on the listen address); 0 = a free one.</summary>
    public int TransferPort { get; set; }

    /// <summary>The object service's address registered for this node; null = where the host bound it.</summary>
    public string? TransferAddress { get; set; }

    /// <summary>Pull the objects that Gets on the store wait for (the store extension of this
    /// project's store; Arrow's store does not know it). Null = on for a store this node starts, off
    /// for one it attaches to.</summary>
    public bool? TransparentGets { get; set; }

    /// <summary>The object service: chunk size, the cluster's bearer token, bytes in flight for pulls.</summary>
    public ObjectTransferOptions Transfer { get; set; } = new();

    /// <summary>Serve HTTPS with this certificate (PEM, with <see cref="TlsKeyFile"/>, or PKCS#12); null = plain HTTP/2.</summary>
    public string? TlsCertificateFile { get; set; }

    /// <summary>The PEM private key of <see cref="TlsCertificateFile"/> (null for a PKCS#12 file).</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>Most updates written in one Redis round trip.</summary>
    public int BatchSize { get; set; } = 4096;

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Redis)) throw new ArgumentException("no Redis connection string given");
        if (!ClusterKeys.IsValidNodeId(NodeId))
            throw new ArgumentException($"node id '{NodeId}' is not valid: use 1 to 128 letters, digits, '.', '_' or '-'");
        bool attach = StoreSocket is not null, start = Memory is not null || Socket is not null;
        if (attach == start) throw new ArgumentException("give either a store socket to attach to, or memory and socket of a store to start");
        if (attach && Prefault) throw new ArgumentException("prefault applies to a store the node starts (memory and socket), not to one it attaches to");
        if (start && (Memory is null or <= 0 || string.IsNullOrEmpty(Socket)))
            throw new ArgumentException("starting a store needs both a positive memory size and a socket path");
        if (Ttl < TimeSpan.FromMilliseconds(300)) throw new ArgumentException("the TTL must be at least 300 ms");
        if (BatchSize < 1) throw new ArgumentException("the batch size must be positive");
        if (TlsKeyFile is not null && TlsCertificateFile is null) throw new ArgumentException("a TLS key needs its certificate file");
        if (TransferPort is < 0 or > 65535) throw new ArgumentException("the transfer port must be 0 to 65535");
        Transfer.Validate();
    }

    private static string DefaultNodeId()
    {
        string host = new(Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-').ToArray());
        return $"{(host.Length == 0 ? "node" : host)}-{Environment.ProcessId}";
    }
}
