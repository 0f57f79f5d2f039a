using System.Runtime.InteropServices;

namespace PlasmaSharp.Interop;

/// <summary>Raw declarations of the C ABI (plasmasharp.h), grouped by area in partial files.
/// Blittable signatures only; callers go through <see cref="NativeStatus"/> for errors.</summary>
internal static unsafe partial class NativeMethods
{
    /// <summary>Name resolved by <see cref="NativeLibraryResolver"/>.</summary>
    internal const string LibraryName = "plasmasharp_native";

    // ---- errors and library ----
    [LibraryImport(LibraryName)]
    internal static partial int ps_error_code(ps_error* error);

    [LibraryImport(LibraryName)]
    internal static partial byte* ps_error_message(ps_error* error);

    [LibraryImport(LibraryName)]
    internal static partial void ps_error_free(ps_error* error);

    [LibraryImport(LibraryName)]
    internal static partial byte* ps_version();

    [LibraryImport(LibraryName)]
    internal static partial void ps_string_free(byte* s);
}
