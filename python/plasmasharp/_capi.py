"""ctypes declarations of PlasmaSharp's C ABI (native/include/plasmasharp.h) and its error check.

Only this module knows the ABI's shapes. ctypes releases the GIL around every call, so a get
that waits on the store does not stall the interpreter's other threads.
"""
import ctypes
import threading

from . import _locate, errors
from ._abi import DIGEST_SIZE, OBJECT_ID_SIZE

_p = ctypes.c_void_p
_pp = ctypes.POINTER(ctypes.c_void_p)
_i64 = ctypes.c_int64
_i32 = ctypes.c_int32
_u8 = ctypes.c_uint8
_code = ctypes.c_int32
_bytes = ctypes.c_char_p  # ids, metadata and data passed in from Python bytes (no copy)


# Byte arrays are c_uint8, never c_char: a c_char array field reads as bytes cut at the first NUL.
class ObjectView(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("data_size", _i64),
                ("metadata", ctypes.c_void_p), ("metadata_size", _i64),
                ("segment_base", ctypes.c_void_p), ("segment_size", _i64),
                ("object_id", _u8 * OBJECT_ID_SIZE), ("is_sealed", _u8),
                ("reserved", _u8 * 3), ("reserved2", _i32)]


class ObjectInfo(ctypes.Structure):
    _fields_ = [("object_id", _u8 * OBJECT_ID_SIZE), ("digest", _u8 * DIGEST_SIZE),
                ("data_size", _i64), ("metadata_size", _i64), ("create_time", _i64),
                ("construct_duration", _i64), ("ref_count", _i32), ("is_sealed", _u8),
                ("is_deletion", _u8), ("is_spilled", _u8), ("reserved", _u8 * 1)]


# Field names are the header's: PlasmaClient.store_stats() returns them as a dict.
class StoreStats(ctypes.Structure):
    _fields_ = [(name, _i64) for name in (
        "capacity", "bytes_used", "evictions", "objects", "sealed_objects", "objects_in_use",
        "spilled_objects", "spilled_bytes", "restores")]


_SIGNATURES = {
    "ps_error_code": (_code, [_p]),
    "ps_error_message": (ctypes.c_char_p, [_p]),
    "ps_error_free": (None, [_p]),
    "ps_version": (ctypes.c_char_p, []),
    "ps_string_free": (None, [_p]),
    "ps_client_connect": (_code, [ctypes.c_char_p, _i32, _i64, _pp, _pp]),
    "ps_client_free": (None, [_p]),
    "ps_client_disconnect": (_code, [_p, _pp]),
    "ps_client_store_capacity": (_code, [_p, ctypes.POINTER(_i64), _pp]),
    "ps_client_set_options": (_code, [_p, ctypes.c_char_p, _i64, _pp]),
    "ps_client_create": (_code, [_p, _bytes, _i64, _bytes, _i64, _u8, _pp, _pp]),
    "ps_client_create_and_seal": (_code, [_p, _bytes, _p, _i64, _bytes, _i64, _u8, _pp]),
    "ps_client_get": (_code, [_p, _bytes, _i64, _i64, _pp, _pp]),
    "ps_client_contains": (_code, [_p, _bytes, ctypes.POINTER(_u8), _pp]),
    "ps_client_delete": (_code, [_p, _bytes, _i64, ctypes.POINTER(_code), _pp]),
    "ps_client_evict": (_code, [_p, _i64, ctypes.POINTER(_i64), _pp]),
    "ps_client_hash": (_code, [_p, _bytes, ctypes.c_char_p, _pp]),
    "ps_client_list": (_code, [_p, _pp, _pp]),
    "ps_object_list_count": (_i64, [_p]),
    "ps_object_list_get": (_code, [_p, _i64, ctypes.POINTER(ObjectInfo), _pp]),
    "ps_object_list_free": (None, [_p]),
    "ps_client_debug_string": (_code, [_p, _pp, _pp]),
    "ps_client_store_stats": (_code, [_p, _u8, ctypes.POINTER(StoreStats), _pp]),
    "ps_object_get_view": (_code, [_p, ctypes.POINTER(ObjectView), _pp]),
    "ps_object_seal": (_code, [_p, _pp]),
    "ps_object_write_and_seal": (_code, [_p, _p, _i64, _pp]),
    "ps_object_abort": (_code, [_p, _pp]),
    "ps_object_release": (_code, [_p, _pp]),
    "ps_client_subscribe": (_code, [_p, _pp, _pp]),
    "ps_subscription_fd": (_i32, [_p]),
    "ps_subscription_free": (None, [_p]),
}

_lib = None
_lib_lock = threading.Lock()


def lib():
    """The loaded native library (found by _locate), its functions typed."""
    global _lib
    if _lib is None:
        with _lib_lock:
            if _lib is None:
                loaded = ctypes.CDLL(_locate.find(_locate.LIBRARY_NAME))
                for name, (restype, argtypes) in _SIGNATURES.items():
                    fn = getattr(loaded, name)
                    fn.restype, fn.argtypes = restype, argtypes
                _lib = loaded
    return _lib


def error_from(code, err_handle, what):
    """The exception for a failed call: its class from the code, its text from the native message."""
    native = lib()
    message = "(no message)"
    if err_handle.value:
        raw = native.ps_error_message(err_handle)
        message = raw.decode("utf-8", "replace") if raw else message
        native.ps_error_free(err_handle)
    cls = errors.BY_CODE.get(code, errors.PlasmaError)
    return cls("%s: %s" % (what, message))


def call(what, fn, *args):
    """Calls a fallible ABI function (its trailing ps_error** added here); raises on failure."""
    err = ctypes.c_void_p()
    code = fn(*args, ctypes.byref(err))
    if code != 0:
        raise error_from(code, err, what)
