using PlasmaSharp.Interop;

namespace PlasmaSharp;

// ---- a store inside this process ----
internal static unsafe partial class NativeProxy
{
    /// <summary>Starts the store and returns once it accepts connections; <paramref name="directory"/> null = /dev/shm.</summary>
    internal static StoreHandle ps_store_start(string socketPath, long capacity, string? directory)
    {
        ps_store* raw = null;
        ps_error* error = null;
        int code;
        fixed (byte* p = CString(socketPath))
        fixed (byte* d = CString(directory))
            code = NativeMethods.ps_store_start(p, capacity, d, &raw, &error);
        NativeStatus.Check(code, error, $"store on {socketPath}");
        return new StoreHandle(raw);
    }
}
