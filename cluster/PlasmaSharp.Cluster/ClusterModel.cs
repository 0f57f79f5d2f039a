namespace PlasmaSharp.Cluster;

/// <summary>A live node as registered in the node table.</summary>
/// <param name="Id">The node id (--node-id).</param>
/// <param name="Address">Where the node's HTTP service listens (/healthz, /metrics; the object
/// service of later versions), e.g. http://127.0.0.1:7450; empty when the host serves no HTTP.</param>
/// <param name="Capacity">The store's capacity in bytes.</param>
/// <param name="UsedBytes">Data + metadata bytes of the sealed objects it holds, as of the last heartbeat.</param>
/// <param name="ObjectCount">Sealed objects it holds, as of the last heartbeat.</param>
/// <param name="Version">The agent's PlasmaSharp version.</param>
/// <param name="StartTime">When the agent started.</param>
/// <param name="LastHeartbeat">The agent's clock at its last heartbeat.</param>
public sealed record ClusterNodeInfo(string Id, string Address, long Capacity, long UsedBytes, long ObjectCount,
                                 string Version, DateTimeOffset StartTime, DateTimeOffset LastHeartbeat)
{
    /// <summary>Where the node's object service (gRPC over HTTP/2, and Arrow Flight) listens, e.g.
    /// http://127.0.0.1:7451; empty when it serves none.</summary>
    public string TransferAddress { get; init; } = "";
}

/// <summary>One copy of an object: which live node holds it and what it is.</summary>
/// <param name="Id">The object.</param>
/// <param name="NodeId">The node whose store holds it.</param>
/// <param name="DataSize">Data bytes.</param>
/// <param name="MetadataSize">Metadata bytes.</param>
/// <param name="Digest">The store's 8-byte digest as 16 hex digits.</param>
/// <param name="IsSpilled">True when the node keeps it spilled to disk (still gettable).</param>
public sealed record ObjectLocation(ObjectId Id, string NodeId, long DataSize, long MetadataSize, string Digest, bool IsSpilled);
