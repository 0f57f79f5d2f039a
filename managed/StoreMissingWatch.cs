using PlasmaSharp.Interop;

namespace PlasmaSharp;

/// <summary>Ids that local Gets wait for and the store does not have, with that Get's timeout
/// (<see cref="Timeout.InfiniteTimeSpan"/> when it waits forever).</summary>
internal readonly record struct MissingObjects(IReadOnlyList<ObjectId> Ids, TimeSpan GetTimeout);

/// <summary>Our store's missing-objects watch (ps_missing_watch_*, native/client/missing_watch.h): a
/// connection of its own on which the store reports the ids its Gets wait for and lacks, so a cluster
/// node can pull them (the transparent Gets of PlasmaSharp.Cluster). Only our store knows the request:
/// Arrow's plasma-store-server aborts on it. Reads are serialized; Dispose when done.</summary>
internal sealed class StoreMissingWatch : IDisposable
{
    // Ids handed over per native call: a notice with more comes in several reads.
    private const int IdsPerRead = 1024;
    private readonly MissingWatchHandle _handle;
    private readonly byte[] _ids = new byte[IdsPerRead * ObjectId.Size];
    private readonly Lock _readLock = new();

    private StoreMissingWatch(MissingWatchHandle handle) => _handle = handle;

    /// <summary>Connects to the store at <paramref name="storeSocket"/> and asks for its notices.</summary>
    /// <exception cref="PlasmaConnectionException">Nobody listens there.</exception>
    public static StoreMissingWatch Open(string storeSocket) => new(NativeProxy.ps_missing_watch_open(storeSocket));

    /// <summary>Waits up to <paramref name="timeout"/> for missing ids; null when none came.</summary>
    /// <exception cref="PlasmaConnectionException">The store closed the connection.</exception>
    /// <exception cref="PlasmaException">The store sent something that is no notice (the watch is over).</exception>
    public MissingObjects? TryRead(TimeSpan timeout)
    {
        _handle.ThrowIfDisposed(this);
        lock (_readLock)
        {
            int count = NativeProxy.ps_missing_watch_next(_handle, PlasmaClient.ToMilliseconds(timeout), _ids, out long getTimeoutMs);
            if (count < 0) return null;
            var ids = new ObjectId[count];
            for (int i = 0; i < count; i++) ids[i] = ObjectId.FromBytes(_ids.AsSpan(i * ObjectId.Size, ObjectId.Size));
            return new MissingObjects(ids, getTimeoutMs < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(getTimeoutMs));
        }
    }

    /// <summary>Closes the connection (the free waits for a read in progress to return).</summary>
    public void Dispose() => _handle.Dispose();
}
