using System.Collections.Concurrent;

namespace PlasmaSharp.Cluster.Transfer;

/// <summary>The digest of every sealed object in this node's store, as the store reported it in
/// its seal notifications (filled by the agent's notification reader). Lets the object service
/// send the digest with the first chunk without reading the whole object to compute it.</summary>
internal sealed class SealedDigests
{
    private readonly ConcurrentDictionary<ObjectId, byte[]> _digests = new();

    public void Sealed(ObjectId id, ReadOnlySpan<byte> digest) => _digests[id] = digest.ToArray();

    public void Deleted(ObjectId id) => _digests.TryRemove(id, out _);

    public void Clear() => _digests.Clear();

    public bool TryGet(ObjectId id, out byte[] digest) => _digests.TryGetValue(id, out digest!);
}
