// The checked layer between the raw bindings (bindings/NativeMethods.g.cs, generated from the
// header) and the public API, as LibGit2Sharp's Proxy: one method per C function, named like it.
// Each method leases the handles it passes (HandleLease: a concurrent Dispose cannot free them
// during the call), pins the managed memory it hands over, and turns a failed ps_code into an
// exception through NativeStatus. Every `unsafe`, `fixed` and ps_error** of calling the library lives in
// these files; PlasmaClient, PlasmaStore, PlasmaSubscription, StoreMissingWatch and the object types
// call them with managed types only. Grouped by area as the header is: client, objects,
// notifications, missing objects, store.
using System.Runtime.InteropServices;
using System.Text;
using PlasmaSharp.Interop;

namespace PlasmaSharp;

internal static unsafe partial class NativeProxy
{
    /// <summary>The native library's version string (e.g. "0.1.0").</summary>
    internal static string ps_version() => Marshal.PtrToStringUTF8((nint)NativeMethods.ps_version()) ?? "";

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="s"/> (null stays null).</summary>
    private static byte[]? CString(string? s)
    {
        if (s is null) return null;
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    private static byte Flag(bool value) => value ? (byte)1 : (byte)0;
}
