"""Zero-copy views of store objects, and the addresses of caller buffers passed in.

An ObjectRef is one local reference to one object (a ps_object handle). Views of its bytes are
memoryviews over a ctypes array placed at the object's address in the mapped segment (no copy);
the array carries the ObjectRef, so the reference lives exactly as long as some view (or a
pyarrow.Buffer / numpy array made from one) does, and the last one gone releases it in the store.
"""
import ctypes

from . import _capi

_c_void_p, _byref = ctypes.c_void_p, ctypes.byref


class ObjectRef:
    """One local reference to a store object; released once (explicitly or when garbage).

    While the reference is held, client._live maps id(ref) -> (object id bytes, handle). Popping
    that entry (atomic under the GIL) is what claims the release, so release() on one thread and
    the finalizer on another never both free the handle, and client.release(object_id) can find
    the references without keeping them alive."""

    __slots__ = ("_handle", "client", "object_id", "view", "__weakref__")

    def __init__(self, client, handle, object_id=None):
        self.client = client  # keeps the native client alive while the object is mapped
        self._handle = handle
        view = _capi.ObjectView()
        err = _c_void_p()
        code = client._lib.ps_object_get_view(handle, view, _byref(err))
        if code:
            client._lib.ps_object_release(handle, None)  # not registered yet: nobody else frees it
            raise _capi.error_from(code, err, "get_view")
        self.view = view
        self.object_id = object_id if object_id is not None else bytes(view.object_id)
        client._live[id(self)] = (self.object_id, handle)

    @property
    def handle(self):
        if id(self) not in self.client._live:
            raise _capi.errors.PlasmaObjectNotFound(
                "object %s was already released by this client" % self.object_id.hex())
        return self._handle

    @property
    def released(self):
        return id(self) not in self.client._live

    def release(self):
        client = self.client
        if client._live.pop(id(self), None) is not None:
            client._lib.ps_object_release(self._handle, None)

    def __del__(self):
        try:
            self.release()
        except Exception:  # interpreter shutdown (the library may already be gone), or a failed __init__
            pass


def _make_exporter_type(length):
    """A ctypes byte-array type whose instances carry one ObjectRef in a slot (cheaper than an
    instance __dict__); its instances are the exporters under every view handed out."""
    return type("_ObjectBytes%d" % length, (ctypes.c_ubyte * length,), {"__slots__": ("ref",)})


_EXPORTER_TYPES_BY_BITS = {}
_EXPORTER_TYPES_BY_SIZE = {0: _make_exporter_type(0)}
_SIZES_REMEMBERED = 4096  # sizes looked up without arithmetic; the types behind them are shared


def _exporter_type(size):
    """The exporter type for `size` bytes: at least `size` long. Lengths are rounded up to a power
    of two so a handful of types serve every object size (each type lives forever); the views are
    sliced to the exact size, and nothing beyond it is ever touched."""
    exporter_type = _EXPORTER_TYPES_BY_SIZE.get(size)
    if exporter_type is None:
        bits = (size - 1).bit_length()
        exporter_type = _EXPORTER_TYPES_BY_BITS.get(bits)
        if exporter_type is None:
            exporter_type = _EXPORTER_TYPES_BY_BITS.setdefault(bits, _make_exporter_type(1 << bits))
        if len(_EXPORTER_TYPES_BY_SIZE) < _SIZES_REMEMBERED:
            _EXPORTER_TYPES_BY_SIZE[size] = exporter_type
    return exporter_type


def raw_view(ref, address, size, writable):
    """memoryview of `size` bytes at `address`, keeping `ref` alive (view.obj is the exporter
    holding it, for weakrefs)."""
    exporter_type = _exporter_type(size)
    exporter = exporter_type.from_address(address) if size else exporter_type()
    exporter.ref = ref
    view = memoryview(exporter).cast("B")
    if size != len(view):
        view = view[:size]
    return view if writable else view.toreadonly()


_pyarrow = None
_pyarrow_checked = False


def pyarrow_or_none():
    """pyarrow when importable (imported on first need), else None."""
    global _pyarrow, _pyarrow_checked
    if not _pyarrow_checked:
        try:
            import pyarrow
            _pyarrow = pyarrow
        except ImportError:
            _pyarrow = None
        _pyarrow_checked = True
    return _pyarrow


def as_public_buffer(view):
    """What the API hands out: a pyarrow.Buffer over the view when pyarrow is importable (zero
    copy: py_buffer wraps the memoryview's memory), else the memoryview itself."""
    pa = _pyarrow if _pyarrow_checked else pyarrow_or_none()
    return pa.py_buffer(view) if pa is not None else view


def data_view(ref, writable=False):
    view = ref.view
    return raw_view(ref, view.data, view.data_size, writable)


def data_buffer(ref):
    """What get_buffers hands out for one object: its data, read-only, as a public buffer."""
    view = ref.view
    return as_public_buffer(raw_view(ref, view.data, view.data_size, False))


def metadata_bytes(ref):
    size = ref.view.metadata_size
    return ctypes.string_at(ref.view.metadata, size) if size else b""


# ---- caller buffers passed in (put_raw_buffer, create_and_seal): their address, no copy ----

class _PyBuffer(ctypes.Structure):
    _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.c_void_p), ("len", ctypes.c_ssize_t),
                ("itemsize", ctypes.c_ssize_t), ("readonly", ctypes.c_int), ("ndim", ctypes.c_int),
                ("format", ctypes.c_char_p), ("shape", ctypes.c_void_p), ("strides", ctypes.c_void_p),
                ("suboffsets", ctypes.c_void_p), ("internal", ctypes.c_void_p)]


_PyObject_GetBuffer = ctypes.pythonapi.PyObject_GetBuffer
_PyObject_GetBuffer.argtypes = [ctypes.py_object, ctypes.POINTER(_PyBuffer), ctypes.c_int]
_PyObject_GetBuffer.restype = ctypes.c_int
_PyBuffer_Release = ctypes.pythonapi.PyBuffer_Release
_PyBuffer_Release.argtypes = [ctypes.POINTER(_PyBuffer)]
_PyBuffer_Release.restype = None
_PyBUF_SIMPLE = 0  # contiguous bytes, read-only access is enough


def pin_source(value):
    """(argument, size, pin) for passing the contiguous bytes of any buffer-protocol object to a
    `const uint8_t*` parameter, no copy: `argument` is the bytes object itself (ctypes passes its
    internal pointer; bytes never move) or the address of the pinned exporter's memory. Call
    unpin(pin) once the native call is done. TypeError for objects without the buffer protocol,
    BufferError for non-contiguous ones - the errors Python itself gives."""
    if isinstance(value, bytes):  # the common case: no buffer request, no address computation
        return value, len(value), None
    view = _PyBuffer()
    _PyObject_GetBuffer(value, view, _PyBUF_SIMPLE)
    return view.buf or 0, view.len, view


def unpin(pin):
    if pin is not None:
        _PyBuffer_Release(pin)
