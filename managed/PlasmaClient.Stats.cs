using PlasmaSharp.Interop;

namespace PlasmaSharp;

public sealed unsafe partial class PlasmaClient
{
    /// <summary>The store's statistics: one round trip, two when <paramref name="countObjects"/>
    /// (the object list, which grows with the number of objects).</summary>
    /// <param name="countObjects">Also count the objects (sealed, in use).</param>
    /// <exception cref="PlasmaProtocolException">The store's debug string has no "allocated bytes" line.</exception>
    public PlasmaStoreStats GetStoreStats(bool countObjects = true)
    {
        using var lease = Lease();
        ps_store_stats s;
        ps_error* error = null;
        NativeStatus.Check(NativeMethods.ps_client_store_stats(_handle.Pointer, countObjects ? (byte)1 : (byte)0, &s, &error), error);
        return new PlasmaStoreStats(s.capacity, s.bytes_used, Counted(s.evictions), Counted(s.objects),
                                    Counted(s.sealed_objects), Counted(s.objects_in_use));
    }

    private static long? Counted(long value) => value < 0 ? null : value;
}
