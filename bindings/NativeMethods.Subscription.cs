using System.Runtime.InteropServices;

namespace PlasmaSharp.Interop;

internal static unsafe partial class NativeMethods
{
    // ---- notifications ----
    [LibraryImport(LibraryName)]
    internal static partial int ps_client_subscribe(ps_client* client, ps_subscription** @out, ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_subscription_next(ps_subscription* subscription, long timeout_ms,
                                                     ps_object_info* @out, ps_error** error);

    [LibraryImport(LibraryName)]
    internal static partial int ps_subscription_fd(ps_subscription* subscription);

    [LibraryImport(LibraryName)]
    internal static partial void ps_subscription_free(ps_subscription* subscription);
}
