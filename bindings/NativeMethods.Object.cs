using System.Runtime.InteropServices;

namespace PlasmaSharp.Interop;

internal static unsafe partial class NativeMethods
{
    // ---- objects (one local reference each) ----
    [LibraryImport(LibraryName)]
    internal static partial int ps_object_get_view(ps_object* @object, ps_object_view* @out, ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_object_seal(ps_object* @object, ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_object_write_and_seal(ps_object* @object, byte* source, long size, ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_object_abort(ps_object* @object, ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_object_release(ps_object* @object, ps_error** error);
}
