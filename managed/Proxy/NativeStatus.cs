// The one place where a ps_code (+ ps_error) becomes a .NET exception. The exception types it
// throws are defined beside it (Exceptions.cs): the layer that maps native errors owns them.
using System.Runtime.InteropServices;
using PlasmaSharp.Interop;

namespace PlasmaSharp;

internal static unsafe class NativeStatus
{
    /// <summary>Frees <paramref name="error"/> and throws the matching exception unless
    /// <paramref name="code"/> is PS_OK. <paramref name="subject"/> names what the call was about
    /// (e.g. a socket) so the message can say which.</summary>
    internal static void Check(int code, ps_error* error, string? subject = null, bool connecting = false)
    {
        if (code != NativeConstants.PS_OK) throw ToException(code, error, subject, connecting);
        if (error != null) NativeMethods.ps_error_free(error);
    }

    /// <summary>As <see cref="Check(int, ps_error*, string?, bool)"/> for a call about one object; the
    /// message naming it is only formatted on failure, so the success path allocates nothing.</summary>
    internal static void Check(int code, ps_error* error, ObjectId id)
    {
        if (code != NativeConstants.PS_OK) throw ToException(code, error, $"object {id}");
        if (error != null) NativeMethods.ps_error_free(error);
    }

    /// <summary>True (and <paramref name="error"/> freed) when a call that waits up to a timeout
    /// returned PS_TIMEOUT: for those calls nothing arriving in time is an answer, not an error.</summary>
    internal static bool TimedOut(int code, ps_error* error)
    {
        if (code != NativeConstants.PS_TIMEOUT) return false;
        if (error != null) NativeMethods.ps_error_free(error);
        return true;
    }

    /// <summary>Builds (does not throw) the exception for a failed call and frees the error.</summary>
    private static Exception ToException(int code, ps_error* error, string? subject = null, bool connecting = false)
    {
        string nativeMessage = "";
        if (error != null)
        {
            nativeMessage = Marshal.PtrToStringUTF8((nint)NativeMethods.ps_error_message(error)) ?? "";
            NativeMethods.ps_error_free(error);
        }
        return Map((PlasmaErrorCode)code, nativeMessage, subject, connecting);
    }

    /// <summary>ps_code -> exception type + a message that says what to do. While connecting, every
    /// failure to reach the store (including the native PS_TIMEOUT after the last attempt) is a
    /// <see cref="PlasmaConnectionException"/>.</summary>
    internal static Exception Map(PlasmaErrorCode code, string nativeMessage, string? subject, bool connecting = false)
    {
        string what = subject is null ? "" : $" ({subject})";
        string detail = string.IsNullOrEmpty(nativeMessage) ? "" : $" Native message: {nativeMessage}";
        if (connecting && code is PlasmaErrorCode.Timeout or PlasmaErrorCode.IoError or PlasmaErrorCode.Disconnected)
            return new PlasmaConnectionException(code,
                $"Could not connect to a Plasma store{what}; check that the store is running and listening on that path.{detail}");
        return code switch
        {
            PlasmaErrorCode.ObjectExists => new ObjectExistsException(
                $"The object already exists in the store{what}; use a new ObjectId, or Get the existing object.{detail}"),
            PlasmaErrorCode.ObjectNotFound => new ObjectNotFoundException(
                $"The object is not in the store{what} (never created, deleted or evicted); check the id or Put it first.{detail}"),
            PlasmaErrorCode.OutOfMemory => new StoreFullException(
                $"The store has no room for this object{what}; dispose objects you hold, Delete or Evict objects, or start the store with a larger capacity.{detail}"),
            PlasmaErrorCode.ObjectNotSealed => new ObjectNotSealedException(
                $"The object is not sealed yet{what}; Seal it first (or wait for its creator to seal it).{detail}"),
            PlasmaErrorCode.ObjectInUse => new ObjectInUseException(
                $"The object is in use{what}; dispose every other reference to it (PlasmaObject, record batches) first.{detail}"),
            PlasmaErrorCode.IoError or PlasmaErrorCode.Disconnected => new PlasmaConnectionException(code,
                $"The connection to the Plasma store failed or was closed{what}; check that the store is running and connect a new PlasmaClient.{detail}"),
            PlasmaErrorCode.Timeout => new TimeoutException(
                $"The operation timed out{what}; retry, or wait longer.{detail}"),
            PlasmaErrorCode.ProtocolError => new PlasmaProtocolException(
                $"The store sent a malformed or unexpected message{what}; check that the store speaks the Plasma protocol of Arrow 0.17-11.0.{detail}"),
            PlasmaErrorCode.InvalidArgument => new ArgumentException(
                $"The native library rejected an argument{what}.{detail}"),
            _ => new PlasmaException(code,
                $"Internal error in the native PlasmaSharp library (code {(int)code}){what}; please report it.{detail}"),
        };
    }
}
