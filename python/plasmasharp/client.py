"""PlasmaClient: pyarrow 11's pyarrow.plasma.PlasmaClient over PlasmaSharp's C ABI.

Every buffer it hands out is a zero-copy view of the store's shared memory (a pyarrow.Buffer
when pyarrow is importable, else a memoryview) that keeps its object referenced until the last
view of it is gone; the store hears of the release then.
"""
import collections
import operator
import ctypes
import os
import socket
import threading
import weakref

from . import _buffers, _capi, _notifications, _serialization, errors
from .object_id import ObjectID, ObjectNotAvailable, id_list_bytes, require_object_id

# Up to this size a put travels inside one CreateAndSeal message (one round trip, as the C#
# client does); above it, Create then a fused copy+digest into shared memory, then Seal.
CREATE_AND_SEAL_THRESHOLD = 64 * 1024


def _non_negative(name, value):
    value = operator.index(value)  # TypeError for non-integers, as pyarrow's int64_t arguments
    if value < 0:
        raise ValueError("%s must be >= 0, got %d" % (name, value))
    return value


def _metadata_bytes(metadata):
    if isinstance(metadata, bytes):
        return metadata
    if isinstance(metadata, str) or metadata is None:
        raise TypeError("expected bytes, %s found" % type(metadata).__name__)
    return bytes(memoryview(metadata))


def _no_serialization_context(serialization_context):
    if serialization_context is not None:
        raise ValueError(
            "serialization_context is not supported: it belonged to pyarrow.serialize, which "
            "pyarrow removed; plasmasharp's put/get use pickle protocol 5 (see plasmasharp.plasma)")


_HANDLE_ARRAY_TYPES = {}


def _handle_array(count):
    """A zeroed ps_object*[count] for ps_client_get's out parameter. ctypes makes (and keeps) the
    array type on `c_void_p * count`; remembering it here skips that lookup on every get."""
    array_type = _HANDLE_ARRAY_TYPES.get(count)
    if array_type is None:
        array_type = _HANDLE_ARRAY_TYPES.setdefault(count, ctypes.c_void_p * count)
    return array_type()


class PlasmaClient:
    """A connection to a Plasma store (see connect()). Safe to share between threads; a get that
    waits on the store does not hold up this client's other calls (libplasma's does), but waiting
    gets of one client take turns."""

    def __init__(self, handle, store_socket_name):
        # Use connect(); this wraps an already connected native client.
        self._handle = handle
        self._store_socket_name = store_socket_name
        self._lib = _capi.lib()            # its functions are looked up once (CDLL caches them)
        self._unsealed = {}                # id bytes -> (ObjectRef, weakref to create()'s buffer)
        self._live = {}                    # id(ObjectRef) -> (id bytes, handle) while it holds a reference
        self._subscription = None
        self._notification_socket = None
        self._notifications = collections.deque()
        self._notification_lock = threading.Lock()

    def __del__(self):
        handle, self._handle = getattr(self, "_handle", None), None
        try:
            if getattr(self, "_notification_socket", None) is not None:
                self._notification_socket.close()
            lib = _capi.lib()
            if getattr(self, "_subscription", None):
                lib.ps_subscription_free(self._subscription)
            if handle:
                lib.ps_client_free(handle)
        except Exception:  # interpreter shutdown
            pass

    @property
    def store_socket_name(self):
        return self._store_socket_name

    def _call(self, what, name, *args):
        _capi.call(what, getattr(self._lib, name), self._handle, *args)

    # ---- create / seal / abort ----

    def _create_ref(self, id_bytes, data_size, metadata):
        out, err = ctypes.c_void_p(), ctypes.c_void_p()
        code = self._lib.ps_client_create(self._handle, id_bytes, data_size, metadata, len(metadata), 1,
                                          ctypes.byref(out), ctypes.byref(err))
        if code:
            raise _capi.error_from(code, err, "create %s" % id_bytes.hex())
        return _buffers.ObjectRef(self, out.value, id_bytes)

    def create(self, object_id, data_size, metadata=b""):
        """Create a new buffer in the PlasmaStore for a particular object ID.

        Returns a mutable buffer (writes go straight to shared memory) until seal() is called.
        Raises PlasmaObjectExists if the id is taken, PlasmaStoreFull if it cannot fit."""
        id_bytes = require_object_id(object_id)
        data_size = _non_negative("data_size", data_size)
        ref = self._create_ref(id_bytes, data_size, _metadata_bytes(metadata))
        view = _buffers.data_view(ref, writable=True)
        self._unsealed[id_bytes] = (ref, weakref.ref(view.obj))
        return _buffers.as_public_buffer(view)

    def seal(self, object_id):
        """Seal the buffer in the PlasmaStore for a particular object ID (created by this client)."""
        id_bytes = require_object_id(object_id)
        entry = self._unsealed.pop(id_bytes, None)
        if entry is None:
            raise errors.PlasmaObjectNotFound(
                "seal: this client has no unsealed object %s (seal needs the client that created it)"
                % id_bytes.hex())
        try:
            self._call_object("seal", "ps_object_seal", entry[0])
        except BaseException:
            self._unsealed[id_bytes] = entry
            raise

    def abort(self, object_id):
        """Abort an object this client created and has not sealed (it disappears from the store).
        The buffer create() returned must be gone first (PlasmaObjectInUse otherwise)."""
        id_bytes = require_object_id(object_id)
        entry = self._unsealed.get(id_bytes)
        if entry is None:
            raise errors.PlasmaObjectNotFound("abort: this client has no unsealed object %s" % id_bytes.hex())
        ref, buffer_alive = entry
        if buffer_alive() is not None:
            raise errors.PlasmaObjectInUse(
                "abort: the buffer create() returned for %s is still referenced; drop every "
                "reference to it first (aborting would leave it writing into freed memory)" % id_bytes.hex())
        self._call_object("abort", "ps_object_abort", ref)
        del self._unsealed[id_bytes]
        ref.release()

    def _call_object(self, what, name, ref):
        err = ctypes.c_void_p()
        code = getattr(self._lib, name)(ref.handle, ctypes.byref(err))
        if code:
            raise _capi.error_from(code, err, "%s %s" % (what, ref.object_id.hex()))

    # ---- put ----

    def _put_bytes(self, id_bytes, value, metadata):
        source, size, pin = _buffers.pin_source(value)
        try:
            err = ctypes.c_void_p()
            if size <= CREATE_AND_SEAL_THRESHOLD:
                code = self._lib.ps_client_create_and_seal(self._handle, id_bytes, source, size, metadata,
                                                           len(metadata), 1, ctypes.byref(err))
                if code:
                    raise _capi.error_from(code, err, "create_and_seal %s" % id_bytes.hex())
                return
            ref = self._create_ref(id_bytes, size, metadata)
            try:
                code = self._lib.ps_object_write_and_seal(ref.handle, source, size, ctypes.byref(err))
                if code:
                    raise _capi.error_from(code, err, "write_and_seal %s" % id_bytes.hex())
            except BaseException:
                self._abort_quietly(ref)
                raise
            finally:
                ref.release()
        finally:
            _buffers.unpin(pin)

    def _abort_quietly(self, ref):
        try:
            self._call_object("abort", "ps_object_abort", ref)
        except errors.PlasmaError:
            pass  # the store is gone or the object is already sealed: nothing left to undo

    def create_and_seal(self, object_id, data, metadata=b""):
        """Store a new sealed object (data: bytes or any contiguous buffer) under object_id."""
        self._put_bytes(require_object_id(object_id), data, _metadata_bytes(metadata))

    def put_raw_buffer(self, value, object_id=None, metadata=b"", memcopy_threads=6):
        """Store a Python buffer (anything with the buffer protocol) into the object store.
        memcopy_threads is accepted for compatibility; the native copy picks its own threads.
        Returns the ObjectID."""
        object_id = ObjectID.from_random() if object_id is None else object_id
        self._put_bytes(require_object_id(object_id), value, _metadata_bytes(metadata))
        return object_id

    def _put_written(self, object_id, size, metadata, write):
        """Creates an object of `size` bytes, lets write(memoryview) fill it in place, seals it."""
        object_id = ObjectID.from_random() if object_id is None else object_id
        ref = self._create_ref(require_object_id(object_id), size, metadata)
        try:
            view = _buffers.data_view(ref, writable=True)
            write(view)
            del view  # nothing of ours points into the object once it is sealed and released
            self._call_object("seal", "ps_object_seal", ref)
        except BaseException:
            self._abort_quietly(ref)
            raise
        finally:
            ref.release()
        return object_id

    def put(self, value, object_id=None, memcopy_threads=6, serialization_context=None):
        """Store a Python value into the object store; returns its ObjectID.

        pyarrow Tables and RecordBatches go in as an Arrow IPC stream (metadata b"RAW"); any
        other value is pickled (protocol 5, out-of-band buffers written in place, metadata
        b"PLASMASHARP_PICKLE5"). pyarrow 11's pyarrow.serialize format is not written."""
        _no_serialization_context(serialization_context)
        pa = _buffers.pyarrow_or_none()
        if _serialization.is_arrow_data(value, pa):
            return self.put_table(value, object_id)
        pickled = _serialization.PickledValue(value)
        return self._put_written(object_id, pickled.size, _serialization.PICKLE_METADATA, pickled.write_into)

    def put_table(self, table_or_batch, object_id=None):
        """Store a pyarrow Table or RecordBatch as an Arrow IPC stream (metadata b"RAW", the Ray
        convention), written straight into the created object. Returns the ObjectID."""
        pa = _buffers.pyarrow_or_none()
        if not _serialization.is_arrow_data(table_or_batch, pa):
            raise TypeError("put_table needs a pyarrow Table or RecordBatch, got %s" % type(table_or_batch).__name__)
        size = _serialization.arrow_stream_size(table_or_batch, pa)
        return self._put_written(object_id, size, _serialization.ARROW_METADATA,
                                 lambda view: _serialization.write_arrow_stream(view, table_or_batch, pa))

    # ---- get ----

    def _get_refs(self, object_ids, timeout_ms):
        """One ObjectRef per id (None where the object was not available within timeout_ms)."""
        wanted = [require_object_id(o, "object_ids") for o in object_ids]
        timeout_ms = operator.index(timeout_ms)
        # An object this client created and has not sealed is "not available", as libplasma
        # answers (the native call would refuse the whole request).
        unsealed = self._unsealed
        if len(wanted) == 1:  # the common case, without the index bookkeeping of a batch
            id_bytes = wanted[0]
            if id_bytes in unsealed:
                return [None]
            out, err = ctypes.c_void_p(), ctypes.c_void_p()
            code = self._lib.ps_client_get(self._handle, id_bytes, 1, timeout_ms, ctypes.byref(out), ctypes.byref(err))
            if code:
                raise _capi.error_from(code, err, "get")
            handle = out.value
            return [_buffers.ObjectRef(self, handle, id_bytes) if handle else None]
        asked = [i for i, id_bytes in enumerate(wanted) if id_bytes not in unsealed] if unsealed \
            else range(len(wanted))
        refs = [None] * len(wanted)
        count = len(asked)
        if not count:
            return refs
        out = _handle_array(count)
        err = ctypes.c_void_p()
        code = self._lib.ps_client_get(self._handle, b"".join([wanted[i] for i in asked]), count, timeout_ms,
                                       out, ctypes.byref(err))
        if code:
            raise _capi.error_from(code, err, "get")
        try:
            for slot, i in enumerate(asked):
                handle = out[slot]
                if handle:
                    out[slot] = None  # ObjectRef owns it now (and releases it if it fails)
                    refs[i] = _buffers.ObjectRef(self, handle, wanted[i])
        except BaseException:
            for handle in out:
                if handle:
                    self._lib.ps_object_release(handle, None)
            raise
        return refs

    def get_buffers(self, object_ids, timeout_ms=-1, with_meta=False):
        """Data buffers (zero copy, read-only) of a list of ObjectIDs, waiting up to timeout_ms
        (-1 = forever, 0 = do not wait); None for an object not available in time. With
        with_meta=True, (metadata bytes, buffer) tuples ((None, None) when not available)."""
        refs = self._get_refs(object_ids, timeout_ms)
        if with_meta:
            return [(None, None) if ref is None else (_buffers.metadata_bytes(ref), _buffers.data_buffer(ref))
                    for ref in refs]
        return [None if ref is None else _buffers.data_buffer(ref) for ref in refs]

    def get_metadata(self, object_ids, timeout_ms=-1):
        """Metadata buffers (zero copy) of a list of ObjectIDs; None where not available."""
        result = []
        for ref in self._get_refs(object_ids, timeout_ms):
            if ref is None:
                result.append(None)
                continue
            view = _buffers.raw_view(ref, ref.view.metadata, ref.view.metadata_size, False)
            result.append(_buffers.as_public_buffer(view))
        return result

    def get(self, object_ids, timeout_ms=-1, serialization_context=None):
        """The value(s) put() stored: one value for one ObjectID, a list for a list;
        ObjectNotAvailable where an object was not available within timeout_ms."""
        _no_serialization_context(serialization_context)
        single = isinstance(object_ids, ObjectID)
        refs = self._get_refs([object_ids] if single else object_ids, timeout_ms)
        values = [ObjectNotAvailable if ref is None else self._decode(ref) for ref in refs]
        return values[0] if single else values

    def _decode(self, ref):
        metadata = _buffers.metadata_bytes(ref)
        data = _buffers.data_view(ref)
        if metadata == _serialization.PICKLE_METADATA:
            return _serialization.unpickle(data)
        if metadata == _serialization.ARROW_METADATA:
            return _serialization.read_arrow_stream(self._require_pyarrow("an Arrow object (metadata b'RAW')")
                                                    .py_buffer(data), _buffers.pyarrow_or_none())
        raise ValueError(
            "get: object %s has metadata %r, a format plasmasharp does not know (it reads what its put() "
            "writes, metadata %r, and Arrow IPC streams, metadata %r; pyarrow 11's put wrote the removed "
            "pyarrow.serialize format). Read its bytes with get_buffers()."
            % (ref.object_id.hex(), metadata, _serialization.PICKLE_METADATA, _serialization.ARROW_METADATA))

    @staticmethod
    def _require_pyarrow(what):
        pa = _buffers.pyarrow_or_none()
        if pa is None:
            raise ImportError("reading %s needs pyarrow, which is not importable" % what)
        return pa

    def get_table(self, object_id, timeout_ms=-1):
        """The pyarrow.Table stored as an Arrow IPC stream (by put_table, put, or C#'s
        PutRecordBatch), its columns aliasing shared memory; None if not available in time."""
        pa = self._require_pyarrow("a table")
        [buffer] = self.get_buffers([object_id], timeout_ms)
        return None if buffer is None else _serialization.read_arrow_stream(buffer, pa)

    # ---- release ----

    def release(self, object_id):
        """Release now every reference this client holds on a sealed object, instead of when its
        buffers are garbage-collected. Buffers of it from this client must not be used afterwards:
        the store may reuse the memory."""
        id_bytes = require_object_id(object_id)
        if id_bytes in self._unsealed:
            raise errors.PlasmaObjectNotSealed("release: %s is not sealed yet; seal() or abort() it" % id_bytes.hex())
        # Claiming an entry by popping it is what ObjectRef.release does too: each handle is freed once.
        claimed = [self._live.pop(key, None) for key, (held_id, _) in self._live.copy().items() if held_id == id_bytes]
        handles = [entry[1] for entry in claimed if entry is not None]
        if not handles:
            raise errors.PlasmaObjectNotFound("release: this client holds no reference to %s" % id_bytes.hex())
        for handle in handles:
            self._lib.ps_object_release(handle, None)

    _release = release  # pyarrow 11's internal name

    # ---- queries ----

    def contains(self, object_id):
        """Check if the object is present and sealed in the PlasmaStore."""
        out = ctypes.c_uint8()
        self._call("contains", "ps_client_contains", require_object_id(object_id), ctypes.byref(out))
        return bool(out.value)

    def hash(self, object_id):
        """The object's digest (8 bytes, as libplasma computes it). PlasmaObjectNotFound if absent."""
        id_bytes = require_object_id(object_id)
        digest = ctypes.create_string_buffer(_capi.DIGEST_SIZE)
        self._call("hash %s" % id_bytes.hex(), "ps_client_hash", id_bytes, digest)
        return digest.raw

    def delete(self, object_ids):
        """Delete objects from the store; an object still in use goes once released. Ids that are
        not there are ignored, as in pyarrow.plasma."""
        id_bytes, count = id_list_bytes(object_ids)
        if count:
            self._call("delete", "ps_client_delete", id_bytes, count, None)

    def evict(self, num_bytes):
        """Evict least recently used unreferenced objects to recover at least num_bytes if
        possible; returns the number of bytes freed."""
        freed = ctypes.c_int64()
        self._call("evict", "ps_client_evict", _non_negative("num_bytes", num_bytes), ctypes.byref(freed))
        return freed.value

    def list(self):
        """Dictionary from ObjectIDs to {data_size, metadata_size, ref_count, create_time,
        construct_duration, state ("created" or "sealed")}, as in pyarrow.plasma, plus
        is_spilled: True for an object our store (started with an external store, -e) has
        spilled there and will read back on its next get; always False on the real store."""
        handle = ctypes.c_void_p()
        self._call("list", "ps_client_list", ctypes.byref(handle))
        lib = _capi.lib()
        try:
            result = {}
            info = _capi.ObjectInfo()
            for i in range(lib.ps_object_list_count(handle)):
                _capi.call("list", lib.ps_object_list_get, handle, i, ctypes.byref(info))
                result[ObjectID(bytes(info.object_id))] = {
                    "data_size": info.data_size,
                    "metadata_size": info.metadata_size,
                    "ref_count": info.ref_count,
                    "create_time": info.create_time,
                    "construct_duration": info.construct_duration,
                    "state": "sealed" if info.is_sealed else "created",
                    "is_spilled": bool(info.is_spilled),
                }
            return result
        finally:
            lib.ps_object_list_free(handle)

    def store_capacity(self):
        """The memory capacity of the store in bytes."""
        out = ctypes.c_int64()
        self._call("store_capacity", "ps_client_store_capacity", ctypes.byref(out))
        return out.value

    def debug_string(self):
        out = ctypes.c_void_p()
        self._call("debug_string", "ps_client_debug_string", ctypes.byref(out))
        try:
            return ctypes.string_at(out.value).decode("utf-8", "replace")
        finally:
            _capi.lib().ps_string_free(out)

    def store_stats(self, count_objects=True):
        """The store's statistics (not in pyarrow; the C ABI's ps_client_store_stats, the one
        place they are computed): capacity, bytes_used, evictions, objects, sealed_objects,
        objects_in_use, spilled_objects, spilled_bytes, restores. A figure the store does not
        report, or an object count not asked for, is None."""
        out = _capi.StoreStats()
        self._call("store_stats", "ps_client_store_stats", 1 if count_objects else 0, ctypes.byref(out))
        return {name: (None if getattr(out, name) < 0 else getattr(out, name))
                for name, _ in _capi.StoreStats._fields_}

    def set_client_options(self, client_name, limit_output_memory):
        self._call("set_client_options", "ps_client_set_options", str(client_name).encode(),
                   _non_negative("limit_output_memory", limit_output_memory))

    def disconnect(self):
        """Disconnect this client from the Plasma store; later calls raise PlasmaDisconnected
        (an OSError). Buffers already handed out stay readable."""
        try:
            self._call("disconnect", "ps_client_disconnect")
        except errors.PlasmaDisconnected:
            pass

    def to_capsule(self):
        raise NotImplementedError("to_capsule: there is no C++ plasma::PlasmaClient inside plasmasharp")

    # ---- notifications ----

    def subscribe(self):
        """Subscribe to notifications about sealed and deleted objects (once per client)."""
        with self._notification_lock:
            handle = ctypes.c_void_p()
            self._call("subscribe", "ps_client_subscribe", ctypes.byref(handle))
            self._subscription = handle.value
            fd = _capi.lib().ps_subscription_fd(handle)
            # A duplicate: closing the socket never closes the descriptor the library owns.
            self._notification_socket = socket.socket(fileno=os.dup(fd))
            self._notification_socket.setblocking(True)

    def get_notification_socket(self):
        """The socket notifications arrive on (for select/poll, or to read frames yourself and
        pass their flatbuffer to decode_notifications)."""
        if self._notification_socket is None:
            raise errors.PlasmaError("get_notification_socket: call subscribe() first")
        return self._notification_socket

    def decode_notifications(self, buf):
        """One notification flatbuffer (a frame without its 8-byte length) ->
        ([ObjectID], [data_size], [metadata_size]); deletions have sizes -1."""
        entries = _notifications.decode(buf)
        return ([ObjectID(e[0]) for e in entries], [e[1] for e in entries], [e[2] for e in entries])

    def get_next_notification(self):
        """Block until the next notification: (ObjectID, data_size, metadata_size), sizes -1
        for a deleted object."""
        sock = self.get_notification_socket()
        with self._notification_lock:
            while not self._notifications:
                try:
                    frame = _notifications.read_frame(sock)
                except EOFError as e:
                    raise errors.PlasmaDisconnected("get_next_notification: %s" % e) from None
                self._notifications.extend(_notifications.decode(frame))
            object_id, data_size, metadata_size = self._notifications.popleft()
        return ObjectID(object_id), data_size, metadata_size


def connect(store_socket_name, num_retries=-1):
    """Return a new PlasmaClient connected to the Plasma store listening at store_socket_name.
    num_retries: connection attempts (-1 = libplasma's default, 80 attempts 100 ms apart)."""
    name = os.fspath(store_socket_name)
    handle = ctypes.c_void_p()
    _capi.call("connect to %s" % name, _capi.lib().ps_client_connect, name.encode(), operator.index(num_retries), -1,
               ctypes.byref(handle))
    return PlasmaClient(handle.value, name)
