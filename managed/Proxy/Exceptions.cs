// The public exceptions, defined where they are thrown: NativeStatus (beside this file) maps every
// native status code to one of them. The codes' values come from the header (NativeConstants is
// generated from native/include/plasmasharp.h).
using PlasmaSharp.Interop;

namespace PlasmaSharp;

/// <summary>Status codes of the native library (the C ABI's ps_code values). 1 to 5 are the
/// Plasma store's own error values.</summary>
public enum PlasmaErrorCode
{
    /// <summary>Success.</summary>
    Ok = NativeConstants.PS_OK,
    /// <summary>An object with this id already exists.</summary>
    ObjectExists = NativeConstants.PS_OBJECT_EXISTS,
    /// <summary>The object is not in the store.</summary>
    ObjectNotFound = NativeConstants.PS_OBJECT_NOT_FOUND,
    /// <summary>The store has no room (or a quota was exceeded).</summary>
    OutOfMemory = NativeConstants.PS_OUT_OF_MEMORY,
    /// <summary>The object is not sealed yet.</summary>
    ObjectNotSealed = NativeConstants.PS_OBJECT_NOT_SEALED,
    /// <summary>The object is referenced by a client.</summary>
    ObjectInUse = NativeConstants.PS_OBJECT_IN_USE,
    /// <summary>A socket or mmap call failed.</summary>
    IoError = NativeConstants.PS_IO_ERROR,
    /// <summary>An argument was unusable.</summary>
    InvalidArgument = NativeConstants.PS_INVALID_ARGUMENT,
    /// <summary>The store hung up, or the client was disconnected.</summary>
    Disconnected = NativeConstants.PS_DISCONNECTED,
    /// <summary>A wait ran out.</summary>
    Timeout = NativeConstants.PS_TIMEOUT,
    /// <summary>The peer sent a malformed or unexpected message.</summary>
    ProtocolError = NativeConstants.PS_PROTOCOL_ERROR,
    /// <summary>A bug in the native library.</summary>
    Internal = NativeConstants.PS_INTERNAL,
}

/// <summary>Base of every error reported by the Plasma store or the PlasmaSharp client.</summary>
public class PlasmaException : Exception
{
    /// <summary>Creates an exception with the given native code and message.</summary>
    /// <param name="errorCode">The native status code.</param>
    /// <param name="message">What happened and what to do.</param>
    public PlasmaException(PlasmaErrorCode errorCode, string message) : base(message) => ErrorCode = errorCode;

    /// <summary>Creates an exception with the given native code, message and cause.</summary>
    /// <param name="errorCode">The native status code.</param>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public PlasmaException(PlasmaErrorCode errorCode, string message, Exception? innerException)
        : base(message, innerException) => ErrorCode = errorCode;

    /// <summary>The native status code behind this exception.</summary>
    public PlasmaErrorCode ErrorCode { get; }
}

/// <summary>An object with the requested id already exists in the store (sealed or not).</summary>
public sealed class ObjectExistsException : PlasmaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    public ObjectExistsException(string message) : base(PlasmaErrorCode.ObjectExists, message) { }
}

/// <summary>The object is not in the store (never created, deleted or evicted).</summary>
public sealed class ObjectNotFoundException : PlasmaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    public ObjectNotFoundException(string message) : base(PlasmaErrorCode.ObjectNotFound, message) { }
}

/// <summary>The store could not make room for an object (capacity or quota exhausted, nothing
/// evictable). Not a <see cref="OutOfMemoryException"/>: the process itself is fine.</summary>
public sealed class StoreFullException : PlasmaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    public StoreFullException(string message) : base(PlasmaErrorCode.OutOfMemory, message) { }
}

/// <summary>The object is referenced (by this or another client) and the operation needs it free.</summary>
public sealed class ObjectInUseException : PlasmaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    public ObjectInUseException(string message) : base(PlasmaErrorCode.ObjectInUse, message) { }
}

/// <summary>The object exists but has not been sealed.</summary>
public sealed class ObjectNotSealedException : PlasmaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    public ObjectNotSealedException(string message) : base(PlasmaErrorCode.ObjectNotSealed, message) { }
}

/// <summary>The connection to the store could not be made, failed, or was closed.</summary>
public sealed class PlasmaConnectionException : PlasmaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errorCode"><see cref="PlasmaErrorCode.IoError"/> or <see cref="PlasmaErrorCode.Disconnected"/>.</param>
    /// <param name="message">What happened and what to do.</param>
    public PlasmaConnectionException(PlasmaErrorCode errorCode, string message) : base(errorCode, message) { }
}

/// <summary>The store sent something that does not follow the Plasma protocol.</summary>
public sealed class PlasmaProtocolException : PlasmaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to do.</param>
    public PlasmaProtocolException(string message) : base(PlasmaErrorCode.ProtocolError, message) { }
}
