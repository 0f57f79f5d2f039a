using PlasmaSharp.Interop;

namespace PlasmaSharp;

// ---- notifications ----
internal static unsafe partial class NativeProxy
{
    /// <summary>The next notification, or null when none arrived within <paramref name="timeoutMs"/>.</summary>
    internal static PlasmaNotification? ps_subscription_next(SubscriptionHandle subscription, long timeoutMs)
    {
        using var lease = new HandleLease(subscription);
        ps_object_info info;
        ps_error* error = null;
        int code = NativeMethods.ps_subscription_next(subscription.Pointer, timeoutMs, &info, &error);
        if (NativeStatus.TimedOut(code, error)) return null;
        NativeStatus.Check(code, error, "notification socket");
        return NativeConversions.ToNotification(info);
    }

    internal static int ps_subscription_fd(SubscriptionHandle subscription)
    {
        using var lease = new HandleLease(subscription);
        return NativeMethods.ps_subscription_fd(subscription.Pointer);
    }
}
