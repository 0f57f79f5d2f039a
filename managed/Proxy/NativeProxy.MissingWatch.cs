using PlasmaSharp.Interop;

namespace PlasmaSharp;

// ---- missing objects: transparent cluster Gets (our store only) ----
internal static unsafe partial class NativeProxy
{
    /// <summary>Opens the store's missing-objects watch; <see cref="PlasmaConnectionException"/> when
    /// nobody listens at <paramref name="socketPath"/>.</summary>
    internal static MissingWatchHandle ps_missing_watch_open(string socketPath)
    {
        ps_missing_watch* watch = null;
        ps_error* error = null;
        int code;
        fixed (byte* p = CString(socketPath)) code = NativeMethods.ps_missing_watch_open(p, &watch, &error);
        NativeStatus.Check(code, error, $"socket {socketPath}", connecting: true);
        return new MissingWatchHandle(watch);
    }

    /// <summary>Up to ids.Length / 20 missing ids into <paramref name="ids"/> (their count), or -1 when
    /// none arrived within <paramref name="timeoutMs"/>; <paramref name="getTimeoutMs"/> is the
    /// waiting Get's timeout (-1 = forever).</summary>
    internal static int ps_missing_watch_next(MissingWatchHandle watch, long timeoutMs, Span<byte> ids, out long getTimeoutMs)
    {
        using var lease = new HandleLease(watch);
        long count = 0, getTimeout = 0;
        ps_error* error = null;
        int code;
        fixed (byte* p = ids)
            code = NativeMethods.ps_missing_watch_next(watch.Pointer, timeoutMs, p, ids.Length / ObjectId.Size, &count, &getTimeout, &error);
        getTimeoutMs = getTimeout;
        if (NativeStatus.TimedOut(code, error)) return -1;
        NativeStatus.Check(code, error, "missing-objects watch");
        return (int)count;
    }
}
