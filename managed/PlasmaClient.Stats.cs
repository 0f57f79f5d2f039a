namespace PlasmaSharp;

public sealed partial class PlasmaClient
{
    /// <summary>The store's statistics: one round trip, two when <paramref name="countObjects"/>
    /// (the object list, which grows with the number of objects).</summary>
    /// <param name="countObjects">Also count the objects (sealed, in use).</param>
    /// <exception cref="PlasmaProtocolException">The store's debug string has no "allocated bytes" line.</exception>
    public PlasmaStoreStats GetStoreStats(bool countObjects = true) => NativeProxy.ps_client_store_stats(Handle, countObjects);
}
