namespace PlasmaSharp;

/// <summary>A store's statistics as one client sees them (<see cref="PlasmaClient.GetStoreStats"/>),
/// computed in one place, the C ABI's <c>ps_client_store_stats</c>: the same figures for this
/// project's store and Arrow 11's <c>plasma-store-server</c>. The CLI's <c>stats</c>, the hosting
/// and node metrics and the health check all read these.</summary>
/// <param name="Capacity">The store's capacity in bytes.</param>
/// <param name="BytesUsed">Bytes allocated to objects (sealed and unsealed).</param>
/// <param name="Evictions">Objects evicted since the store started, or null when the store does not say.</param>
/// <param name="Objects">Objects in the store, or null when not counted.</param>
/// <param name="SealedObjects">Sealed objects, or null when not counted.</param>
/// <param name="ObjectsInUse">Objects some client holds a reference to, or null when not counted.</param>
/// <param name="SpilledObjects">Objects spilled to the store's external store (<c>-e</c>) and not in
/// memory now, or null when the store does not say (no <c>-e</c>, or Arrow 11's store).</param>
/// <param name="SpilledBytes">Their bytes, or null when the store does not say.</param>
/// <param name="Restores">Spilled objects read back since the store started, or null when the store does not say.</param>
public sealed record PlasmaStoreStats(long Capacity, long BytesUsed, long? Evictions, long? Objects,
                                      long? SealedObjects, long? ObjectsInUse, long? SpilledObjects = null,
                                      long? SpilledBytes = null, long? Restores = null)
{
    /// <summary>The fraction of the capacity in use (0..1).</summary>
    public double FillRatio => Capacity > 0 ? (double)BytesUsed / Capacity : 0;

    /// <summary>Bytes not allocated to objects (never below 0).</summary>
    public long BytesFree => Math.Max(0, Capacity - BytesUsed);
}
