namespace PlasmaSharp;

/// <summary>Status codes of the native library (the C ABI's ps_code values). 1 to 5 are the
/// Plasma store's own error values.</summary>
public enum PlasmaErrorCode
{
    /// <summary>Success.</summary>
    Ok = 0,
    /// <summary>An object with this id already exists.</summary>
    ObjectExists = 1,
    /// <summary>The object is not in the store.</summary>
    ObjectNotFound = 2,
    /// <summary>The store has no room (or a quota was exceeded).</summary>
    OutOfMemory = 3,
    /// <summary>The object is not sealed yet.</summary>
    ObjectNotSealed = 4,
    /// <summary>The object is referenced by a client.</summary>
    ObjectInUse = 5,
    /// <summary>A socket or mmap call failed.</summary>
    IoError = 10,
    /// <summary>An argument was unusable.</summary>
    InvalidArgument = 11,
    /// <summary>The store hung up, or the client was disconnected.</summary>
    Disconnected = 12,
    /// <summary>A wait ran out.</summary>
    Timeout = 13,
    /// <summary>The peer sent a malformed or unexpected message.</summary>
    ProtocolError = 14,
    /// <summary>A bug in the native library.</summary>
    Internal = 15,
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
