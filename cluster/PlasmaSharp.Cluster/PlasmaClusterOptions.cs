using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PlasmaSharp.Cluster.Transfer;

namespace PlasmaSharp.Cluster;

/// <summary>What a <see cref="PlasmaCluster"/> needs beyond Redis to fetch objects: the local store
/// pulled objects land in, and how to reach the other nodes' object services.</summary>
public sealed class PlasmaClusterOptions
{
    /// <summary>The socket of the store on this machine that <see cref="PlasmaCluster.GetAsync"/> reads from and pulls into.</summary>
    public string? StoreSocket { get; set; }

    /// <summary>This machine's node id, if a node runs beside the store: it is never pulled from.</summary>
    public string? NodeId { get; set; }

    /// <summary>Chunking, token, bytes in flight, retry pauses.</summary>
    public ObjectTransferOptions Transfer { get; set; } = new();

    /// <summary>Where pulls log their retries.</summary>
    public ILogger Logger { get; set; } = NullLogger.Instance;
}
