using System.Runtime.InteropServices;

namespace PlasmaSharp.Interop;

internal static unsafe partial class NativeMethods
{
    // ---- a store inside this process ----
    [LibraryImport(LibraryName)]
    internal static partial int ps_store_start(byte* socket_path, long capacity, byte* directory, ps_store** @out,
                                               ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial void ps_store_stop(ps_store* store);
}
