#!/usr/bin/env python3
"""The Python side of the cross-language tests (see tests/crosslang/README.md).

Two backends reach the store:
  ctypes          (default) the standard library over PlasmaSharp's C ABI; object bytes are read
                  in place through the mapped segment (ctypes.from_address: no copy);
  pyarrow-plasma  Arrow's own pyarrow.plasma client (pyarrow <= 11), for users who have it.
Where pyarrow is importable, get-arrow also decodes the IPC stream and checks every value, and
put-arrow builds the batch with pyarrow. `probe` tells the driver which of these can run here.
Exit 0 = checks passed; otherwise "FAIL: why" on stderr and exit 1 (2 = cannot run here).
"""
import ctypes
import os
import sys
import warnings

GET_TIMEOUT_MS = 10000          # an object that should exist: fail fast
STREAM_GET_TIMEOUT_MS = 60000   # waiting for a writer that is still running
ID_SIZE = 20
CHUNK = 1 << 16


class Failure(Exception):
    pass


class CannotRun(Exception):
    """This path needs something this machine does not have (reported as skipped)."""


# ---- shared formats ----

_PERIOD = bytes(range(251)) * 264
_SHIFT = [bytes((x + s) & 0xff for x in range(256)) for s in range(256)]


def pattern_chunk(start, length, seed):
    """pattern(seed)[start:start+length], start a multiple of CHUNK, length <= CHUNK."""
    phase = start % 251
    base = _PERIOD[phase:phase + length]
    return base.translate(_SHIFT[(13 * (start >> 16) + seed) & 0xff])


def pattern_bytes(size, seed):
    return b"".join(pattern_chunk(s, min(CHUNK, size - s), seed) for s in range(0, size, CHUNK))


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return "%016x" % h


def parse_id(text):
    if len(text) != 2 * ID_SIZE or text != text.lower():
        raise Failure("id must be 40 lowercase hex chars: %r" % text)
    return bytes.fromhex(text)


def many_metadata(k):
    return b"" if k % 10 == 0 else ("meta-%d" % k).encode()


def many_size(k):
    return (k * 37) % 300


def stream_size(k):
    return 4096 + k * 1021


# ---- backend 1: ctypes over the C ABI ----

class ObjectView(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("data_size", ctypes.c_int64),
                ("metadata", ctypes.c_void_p), ("metadata_size", ctypes.c_int64),
                ("segment_base", ctypes.c_void_p), ("segment_size", ctypes.c_int64),
                ("object_id", ctypes.c_uint8 * ID_SIZE), ("is_sealed", ctypes.c_uint8),
                ("reserved", ctypes.c_uint8 * 3), ("reserved2", ctypes.c_int32)]


def load_library():
    path = os.environ.get("PLASMASHARP_NATIVE_LIB")
    if not path:
        raise Failure("PLASMASHARP_NATIVE_LIB is not set")
    lib = ctypes.CDLL(path)
    p, i64, i32, code = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int32, ctypes.c_int32
    pp = ctypes.POINTER(ctypes.c_void_p)
    signatures = {
        "ps_error_code": (code, [p]),
        "ps_error_message": (ctypes.c_char_p, [p]),
        "ps_error_free": (None, [p]),
        "ps_client_connect": (code, [ctypes.c_char_p, i32, i64, pp, pp]),
        "ps_client_free": (None, [p]),
        "ps_client_create": (code, [p, ctypes.c_char_p, i64, ctypes.c_char_p, i64, ctypes.c_uint8, pp, pp]),
        "ps_client_create_and_seal": (code, [p, ctypes.c_char_p, ctypes.c_char_p, i64, ctypes.c_char_p, i64,
                                             ctypes.c_uint8, pp]),
        "ps_client_get": (code, [p, ctypes.c_char_p, i64, i64, pp, pp]),
        "ps_client_delete": (code, [p, ctypes.c_char_p, i64, ctypes.POINTER(ctypes.c_int32), pp]),
        "ps_object_get_view": (code, [p, ctypes.POINTER(ObjectView), pp]),
        "ps_object_seal": (code, [p, pp]),
        "ps_object_release": (code, [p, pp]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


class CtypesObject:
    def __init__(self, backend, handle):
        self._lib, self.handle = backend.lib, handle
        view = ObjectView()
        backend.check(lambda err: self._lib.ps_object_get_view(handle, ctypes.byref(view), err), "get_view")
        self.view = view

    def data(self):
        """The object's bytes in place (a writable memoryview over the shared mapping)."""
        size = self.view.data_size
        if size == 0:
            return memoryview(b"")
        return memoryview((ctypes.c_ubyte * size).from_address(self.view.data)).cast("B")

    def metadata(self):
        return ctypes.string_at(self.view.metadata, self.view.metadata_size) if self.view.metadata_size else b""

    def release(self):
        self._lib.ps_object_release(self.handle, None)


class CtypesBackend:
    name = "ctypes"

    def __init__(self, socket):
        self.lib = load_library()
        client = ctypes.c_void_p()
        self.check(lambda err: self.lib.ps_client_connect(socket.encode(), 20, 100, ctypes.byref(client), err),
                   "connect")
        self.client = client

    def check(self, call, what):
        err = ctypes.c_void_p()
        rc = call(ctypes.byref(err))
        if rc != 0:
            msg = self.lib.ps_error_message(err).decode(errors="replace") if err.value else "(no message)"
            if err.value:
                self.lib.ps_error_free(err)
            raise Failure("%s failed with code %d: %s" % (what, rc, msg))

    def close(self):
        self.lib.ps_client_free(self.client)

    def put(self, object_id, size, metadata, fill):
        """create -> fill in place -> seal -> release (readers only ever see it sealed)."""
        handle = ctypes.c_void_p()
        self.check(lambda err: self.lib.ps_client_create(self.client, object_id, size, metadata, len(metadata),
                                                         1, ctypes.byref(handle), err), "create")
        obj = CtypesObject(self, handle)
        try:
            if obj.view.data_size != size or obj.view.is_sealed:
                raise Failure("fresh object: data_size %d sealed %d" % (obj.view.data_size, obj.view.is_sealed))
            fill(obj.data())
            self.check(lambda err: self.lib.ps_object_seal(handle, err), "seal")
        finally:
            obj.release()

    def put_small(self, object_id, data, metadata):
        self.check(lambda err: self.lib.ps_client_create_and_seal(self.client, object_id, data, len(data), metadata,
                                                                  len(metadata), 1, err), "create_and_seal")

    def get(self, object_id, timeout_ms):
        out = ctypes.c_void_p()
        self.check(lambda err: self.lib.ps_client_get(self.client, object_id, 1, timeout_ms, ctypes.byref(out), err),
                   "get")
        if not out.value:
            raise Failure("object %s not available within %d ms" % (object_id.hex(), timeout_ms))
        obj = CtypesObject(self, out)
        if bytes(obj.view.object_id) != object_id or not obj.view.is_sealed:
            obj.release()
            raise Failure("view of %s reports id %s sealed=%d" % (object_id.hex(), bytes(obj.view.object_id).hex(),
                                                                  obj.view.is_sealed))
        return obj

    def delete(self, object_id):
        result = ctypes.c_int32(-1)
        self.check(lambda err: self.lib.ps_client_delete(self.client, object_id, 1, ctypes.byref(result), err),
                   "delete")
        if result.value != 0:
            raise Failure("delete of %s returned %d" % (object_id.hex(), result.value))


# ---- backend 2: pyarrow.plasma (pyarrow <= 11) ----

class PlasmaObject:
    def __init__(self, buffer, metadata):
        self._buffer, self._metadata = buffer, metadata

    def data(self):
        return memoryview(self._buffer)

    def metadata(self):
        # get_buffers(with_meta=True) hands the metadata over as bytes (a copy), not a Buffer.
        return bytes(self._metadata) if self._metadata is not None else b""

    def release(self):
        self._buffer = self._metadata = None


class PyarrowPlasmaBackend:
    name = "pyarrow-plasma"

    def __init__(self, socket):
        # pyarrow 10 and 11 warn that Plasma is deprecated on every call: noise on stderr.
        warnings.filterwarnings("ignore", message="Plasma is deprecated", category=DeprecationWarning)
        try:
            import pyarrow.plasma as plasma
        except ImportError as e:
            raise CannotRun("pyarrow.plasma is not importable: %s" % e)
        self.plasma = plasma
        self.client = plasma.connect(socket, num_retries=20)

    def close(self):
        self.client.disconnect()

    def put(self, object_id, size, metadata, fill):
        oid = self.plasma.ObjectID(object_id)
        buffer = self.client.create(oid, size, metadata)
        fill(memoryview(buffer).cast("B") if size else memoryview(bytearray()))
        self.client.seal(oid)
        del buffer

    def put_small(self, object_id, data, metadata):
        self.client.create_and_seal(self.plasma.ObjectID(object_id), data, metadata)

    def get(self, object_id, timeout_ms):
        oid = self.plasma.ObjectID(object_id)
        if oid.binary().hex() != object_id.hex():
            raise Failure("pyarrow ObjectID round trip changed the id")
        [(metadata, buffer)] = self.client.get_buffers([oid], timeout_ms=timeout_ms, with_meta=True)
        if buffer is None:
            raise Failure("object %s not available within %d ms" % (object_id.hex(), timeout_ms))
        return PlasmaObject(buffer, metadata)

    def delete(self, object_id):
        self.client.delete([self.plasma.ObjectID(object_id)])


BACKENDS = {"ctypes": CtypesBackend, "pyarrow-plasma": PyarrowPlasmaBackend}


# ---- checks ----

def fill_pattern(seed):
    def fill(view):
        for start in range(0, len(view), CHUNK):
            chunk = pattern_chunk(start, min(CHUNK, len(view) - start), seed)
            view[start:start + len(chunk)] = chunk
    return fill


def check_object(obj, name, size, seed, metadata):
    data = obj.data()
    if len(data) != size:
        raise Failure("%s: data_size %d, expected %d" % (name, len(data), size))
    got_meta = obj.metadata()
    if got_meta != metadata:
        raise Failure("%s: metadata %s, expected %s" % (name, got_meta.hex(), metadata.hex()))
    for start in range(0, size, CHUNK):
        expected = pattern_chunk(start, min(CHUNK, size - start), seed)
        got = bytes(data[start:start + len(expected)])
        if got != expected:
            bad = next(i for i in range(len(got)) if got[i] != expected[i])
            raise Failure("%s: byte %d is %d, expected %d" % (name, start + bad, got[bad], expected[bad]))


# ---- the reference record batch (same formulas in every language) ----

ROWS = 257
TS_BASE = 1700000000000000


def reference_columns():
    rows = range(ROWS)
    return {
        "id64": [i * 1000003 - 128000000 for i in rows],
        "i32": [None if i % 7 == 3 else (i * i) % 1000 - 500 for i in rows],
        "f64": [None if i % 11 == 5 else i * 0.25 - 10.5 for i in rows],
        "text": [None if i % 13 == 0 else "row %d%s" % (i, " \u00e9\u2713" if i % 5 == 0 else "") for i in rows],
        "flag": [None if i % 5 == 4 else i % 3 == 0 for i in rows],
        "items": [None if i % 17 == 16 else list(range(i, i + i % 4)) for i in rows],
        "ts": [None if i % 19 == 18 else TS_BASE + i * 1000001 for i in rows],
    }


def import_pyarrow():
    try:
        import pyarrow
        import pyarrow.ipc  # noqa: F401
        return pyarrow
    except ImportError as e:
        raise CannotRun("pyarrow is not importable: %s" % e)


def pyarrow_reference_batch():
    """The reference batch built with pyarrow (also used by the plasmasharp-py program)."""
    pa = import_pyarrow()
    cols = reference_columns()
    ts_type = pa.timestamp("us", tz="UTC")
    arrays = [
        pa.array(cols["id64"], pa.int64()),
        pa.array(cols["i32"], pa.int32()),
        pa.array(cols["f64"], pa.float64()),
        pa.array(cols["text"], pa.string()),
        pa.array(cols["flag"], pa.bool_()),
        pa.array(cols["items"], pa.list_(pa.int32())),
        pa.array(cols["ts"], pa.int64()).cast(ts_type),
    ]
    return pa.RecordBatch.from_arrays(arrays, names=list(cols))


def pyarrow_reference_ipc():
    pa = import_pyarrow()
    batch = pyarrow_reference_batch()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def pyarrow_check_ipc(data, name):
    pa = import_pyarrow()
    pyarrow_check_table(pa.ipc.open_stream(pa.py_buffer(data)).read_all(), name)


def pyarrow_check_table(table, name):
    """The schema and every value of the reference batch (also used by the plasmasharp-py program)."""
    pa = import_pyarrow()
    expected_types = {"id64": pa.int64(), "i32": pa.int32(), "f64": pa.float64(), "text": pa.string(),
                      "flag": pa.bool_(), "ts": pa.timestamp("us", tz="UTC")}
    cols = reference_columns()
    if table.schema.names != list(cols):
        raise Failure("%s: columns %s" % (name, table.schema.names))
    if table.num_rows != ROWS:
        raise Failure("%s: %d rows, expected %d" % (name, table.num_rows, ROWS))
    for column_name, expected in cols.items():
        column = table.column(column_name)
        if column_name in expected_types and column.type != expected_types[column_name]:
            raise Failure("%s: column %s has type %s" % (name, column_name, column.type))
        if column_name == "items" and not (pa.types.is_list(column.type) and column.type.value_type == pa.int32()):
            raise Failure("%s: column items has type %s" % (name, column.type))
        got = column.cast(pa.int64()).to_pylist() if column_name == "ts" else column.to_pylist()
        for i, (g, e) in enumerate(zip(got, expected)):
            if g != e:
                raise Failure("%s: %s[%d] is %r, expected %r" % (name, column_name, i, g, e))


def check_ipc_framing(data, name):
    if len(data) < 16:
        raise Failure("%s: %d bytes is too short for an IPC stream" % (name, len(data)))
    if bytes(data[:4]) != b"\xff\xff\xff\xff":
        raise Failure("%s: IPC stream does not start with the continuation marker" % name)
    schema_length = int.from_bytes(bytes(data[4:8]), "little")
    if schema_length == 0 or schema_length % 8 or 8 + schema_length > len(data):
        raise Failure("%s: bad schema message length %d" % (name, schema_length))
    if bytes(data[-8:]) != b"\xff\xff\xff\xff\x00\x00\x00\x00":
        raise Failure("%s: IPC stream does not end with the end-of-stream marker" % name)


def check_arrow_bytes(obj, name, size, digest):
    """An Arrow object's tag RAW, size and FNV-1a 64 as the writer printed them, and its IPC
    stream framing; returns its data (also used by the plasmasharp-py program)."""
    if obj.metadata() != b"RAW":
        raise Failure("%s: metadata %r, expected b'RAW'" % (name, obj.metadata()))
    data = obj.data()
    if len(data) != size:
        raise Failure("%s: size %d, writer said %d" % (name, len(data), size))
    got = fnv1a64(bytes(data))
    if got != digest:
        raise Failure("%s: FNV-1a 64 %s, writer said %s" % (name, got, digest))
    check_ipc_framing(data, name)
    return data


# ---- commands ----

def cmd_put_raw(backend, args, options):
    seed, metadata = int(args[0]), bytes.fromhex(args[1])
    for index, size in enumerate(int(s) for s in args[2:]):
        object_id = os.urandom(ID_SIZE)
        backend.put(object_id, size, metadata, fill_pattern((seed + index) & 0xff))
        print(object_id.hex())


def cmd_get_raw(backend, args, options):
    seed, metadata = int(args[0]), bytes.fromhex(args[1])
    ids = []
    for index, spec in enumerate(args[2:]):
        size_text, _, hex_id = spec.partition("=")
        object_id = parse_id(hex_id)
        obj = backend.get(object_id, GET_TIMEOUT_MS)
        try:
            check_object(obj, hex_id, int(size_text), (seed + index) & 0xff, metadata)
        finally:
            obj.release()
        ids.append(object_id)
    for object_id in ids:
        backend.delete(object_id)


def cmd_put_arrow(backend, args, options):
    if options.get("pyarrow"):
        data = pyarrow_reference_ipc()
    else:
        if not args:
            raise Failure("put-arrow without pyarrow needs an IPC_FILE to relay")
        with open(args[0], "rb") as f:
            data = f.read()
    object_id = os.urandom(ID_SIZE)

    def fill(view):
        view[:] = data
    backend.put(object_id, len(data), b"RAW", fill)
    print("%s %d %s" % (object_id.hex(), len(data), fnv1a64(data)))


def cmd_get_arrow(backend, args, options):
    hex_id, size, digest = args[0], int(args[1]), args[2]
    object_id = parse_id(hex_id)
    obj = backend.get(object_id, GET_TIMEOUT_MS)
    try:
        data = check_arrow_bytes(obj, hex_id, size, digest)
        if options.get("pyarrow"):
            pyarrow_check_ipc(data, hex_id)
        del data
    finally:
        obj.release()
    backend.delete(object_id)


def cmd_put_many(backend, args, options):
    for k in range(int(args[0])):
        object_id = os.urandom(ID_SIZE)
        # Alternate the two write paths: create/seal and create_and_seal in one round trip.
        if k % 2:
            backend.put_small(object_id, pattern_bytes(many_size(k), k & 0xff), many_metadata(k))
        else:
            backend.put(object_id, many_size(k), many_metadata(k), fill_pattern(k & 0xff))
        print(object_id.hex())


def cmd_get_many(backend, args, options):
    ids = [parse_id(a) for a in args]
    for k, object_id in enumerate(ids):
        obj = backend.get(object_id, GET_TIMEOUT_MS)
        try:
            check_object(obj, args[k], many_size(k), k & 0xff, many_metadata(k))
        finally:
            obj.release()
    for object_id in ids:
        backend.delete(object_id)


def cmd_put_stream(backend, args, options):
    for k, hex_id in enumerate(args):
        backend.put(parse_id(hex_id), stream_size(k), many_metadata(k), fill_pattern(k & 0xff))


def cmd_get_stream(backend, args, options):
    # Tells the driver this reader is connected: it starts the writer only then.
    print("connected", flush=True)
    for k, hex_id in enumerate(args):
        obj = backend.get(parse_id(hex_id), STREAM_GET_TIMEOUT_MS)
        try:
            check_object(obj, hex_id, stream_size(k), k & 0xff, many_metadata(k))
        finally:
            obj.release()


COMMANDS = {"put-raw": cmd_put_raw, "get-raw": cmd_get_raw, "put-arrow": cmd_put_arrow,
            "get-arrow": cmd_get_arrow, "put-many": cmd_put_many, "get-many": cmd_get_many,
            "put-stream": cmd_put_stream, "get-stream": cmd_get_stream}


def probe(what):
    """Exit 0 when the optional path `what` can run here; else print why and exit 2."""
    try:
        if what == "pyarrow":
            import_pyarrow()
        elif what == "pyarrow-plasma":
            import pyarrow.plasma  # noqa: F401
        else:
            raise Failure("unknown probe %s" % what)
    except ImportError as e:
        print("pyarrow.plasma is not importable: %s" % e)
        return 2
    except CannotRun as e:
        print(e)
        return 2
    return 0


def main(argv):
    options = {}
    backend_name = "ctypes"
    while argv and argv[0].startswith("--"):
        flag = argv.pop(0)
        if flag == "--backend":
            backend_name = argv.pop(0)
        elif flag == "--pyarrow":
            options["pyarrow"] = True
        else:
            raise Failure("unknown flag %s" % flag)
    if argv and argv[0] == "probe":
        return probe(argv[1])
    if len(argv) < 2 or argv[0] not in COMMANDS:
        raise Failure("usage: crosslang.py [--backend ctypes|pyarrow-plasma] [--pyarrow] COMMAND SOCKET ARGS...")
    command, socket, args = argv[0], argv[1], argv[2:]
    backend = BACKENDS[backend_name](socket)
    try:
        COMMANDS[command](backend, args, options)
    finally:
        backend.close()
    return 0


def exit_with(main):
    """Runs main(argv) and exits: its status, 2 + "SKIP: why" for CannotRun, 1 + "FAIL: why" for
    anything else (also used by the plasmasharp-py program)."""
    try:
        sys.exit(main(sys.argv[1:]))
    except CannotRun as e:
        print("SKIP: %s" % e, file=sys.stderr)
        sys.exit(2)
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)
    except Exception as e:  # every other error (ctypes, pyarrow, plasmasharp) is a FAIL line
        print("FAIL: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    exit_with(main)
