"""The exceptions plasmasharp raises.

The three pyarrow.plasma names (PlasmaObjectExists, PlasmaObjectNotFound, PlasmaStoreFull) keep
their meaning. Transport failures are OSErrors, as pyarrow.plasma raised them, and bad arguments
are ValueErrors/TypeErrors, so code written for pyarrow.plasma catches the same things.
"""
from . import _abi


class PlasmaError(Exception):
    """Base of every error a Plasma store or this client reports."""


class PlasmaObjectExists(PlasmaError):
    """An object with this id is already in the store."""


class PlasmaObjectNotFound(PlasmaError):
    """The store (or this client) has no such object."""


class PlasmaStoreFull(PlasmaError):
    """The object does not fit in the store, even after evicting what can be evicted."""


class PlasmaObjectNotSealed(PlasmaError):
    """The operation needs a sealed object."""


class PlasmaObjectInUse(PlasmaError):
    """The object is still referenced (by a buffer of this client, or by another client)."""


class PlasmaIOError(PlasmaError, OSError):
    """The connection failed: socket or mmap error, or the peer sent something malformed."""


class PlasmaDisconnected(PlasmaIOError):
    """The store hung up, or this client was disconnected."""


class PlasmaTimeout(PlasmaError, TimeoutError):
    """A wait ran out."""


class PlasmaInvalidArgument(PlasmaError, ValueError):
    """The native library refused an argument."""


class PlasmaInternalError(PlasmaError):
    """A bug in PlasmaSharp's native library: please report it."""


# ps_code (native/include/plasmasharp.h) -> exception class.
BY_CODE = {
    _abi.PS_OBJECT_EXISTS: PlasmaObjectExists,
    _abi.PS_OBJECT_NOT_FOUND: PlasmaObjectNotFound,
    _abi.PS_OUT_OF_MEMORY: PlasmaStoreFull,
    _abi.PS_OBJECT_NOT_SEALED: PlasmaObjectNotSealed,
    _abi.PS_OBJECT_IN_USE: PlasmaObjectInUse,
    _abi.PS_IO_ERROR: PlasmaIOError,
    _abi.PS_INVALID_ARGUMENT: PlasmaInvalidArgument,
    _abi.PS_DISCONNECTED: PlasmaDisconnected,
    _abi.PS_TIMEOUT: PlasmaTimeout,
    _abi.PS_PROTOCOL_ERROR: PlasmaIOError,
    _abi.PS_INTERNAL: PlasmaInternalError,
}
