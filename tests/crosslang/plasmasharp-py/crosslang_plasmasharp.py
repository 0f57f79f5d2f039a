#!/usr/bin/env python3
"""The Python package (python/plasmasharp) in the cross-language tests: `plasmasharp-py`.

Same command line as every other language (tests/crosslang/README.md), written the way a user of
pyarrow.plasma would after the one-line port `import plasmasharp.plasma as plasma`: create /
seal, create_and_seal, put_raw_buffer, get_buffers (one batch call in get-many), release, delete,
and put_table / get_table for the Arrow exchange.

Run with PYTHONPATH=<repo>/python and PLASMASHARP_NATIVE_DIR=<native bin dir>. With `--pyarrow`
(run.sh passes it when Arrow 11 is here, and runs this under $ARROW11_BIN/python3) pyarrow 11 must
import: put-arrow writes the reference batch with put_table, get-arrow reads it with get_table and
checks every value. pyarrow.plasma is made unimportable in this process before anything else is
imported, so a pass proves the package does not lean on it. Without `--pyarrow`, put-arrow relays
an IPC stream file another language wrote (put_raw_buffer) and get-arrow checks the exact bytes,
the RAW tag and the stream framing, as the ctypes `python` program does.

The shared formats (pattern, FNV-1a 64, the reference batch and its checks) come from the ctypes
program, tests/crosslang/python/crosslang.py. Exit 0 = checks passed; "FAIL: why" + exit 1;
"SKIP: why" + exit 2 when it cannot run here.
"""
import os
import sys

# Before anything can import it: `import pyarrow.plasma` raises ImportError in this process.
sys.modules["pyarrow.plasma"] = None
sys.modules["pyarrow._plasma"] = None

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import crosslang as shared  # noqa: E402  (the shared formats and checks)

Failure, CannotRun = shared.Failure, shared.CannotRun


def import_plasma():
    try:
        import plasmasharp.plasma as plasma
    except ImportError as e:
        raise Failure("plasmasharp is not importable (PYTHONPATH=<repo>/python?): %s" % e)
    return plasma


class Reader:
    """Gets objects and checks them through the shared checks (which want data() / metadata())."""

    def __init__(self, client, plasma):
        self.client, self.plasma = client, plasma

    def get_many(self, hex_ids, timeout_ms):
        """One get_buffers call for all the ids; a missing object fails."""
        ids = [self.plasma.ObjectID(shared.parse_id(h)) for h in hex_ids]
        found = self.client.get_buffers(ids, timeout_ms=timeout_ms, with_meta=True)
        if len(found) != len(ids):
            raise Failure("get_buffers returned %d entries for %d ids" % (len(found), len(ids)))
        objects = []
        for hex_id, object_id, (metadata, buffer) in zip(hex_ids, ids, found):
            if buffer is None:
                raise Failure("object %s not available within %d ms" % (hex_id, timeout_ms))
            objects.append(Fetched(object_id, buffer, metadata))
        return objects

    def release(self, objects):
        """Releases the store references now (not at garbage collection), then drops our views
        (unusable from here on; dropping them first would release at collection instead)."""
        for obj in objects:
            self.client.release(obj.object_id)
            obj.drop()


class Fetched:
    def __init__(self, object_id, buffer, metadata):
        self.object_id, self._buffer, self._metadata = object_id, buffer, metadata

    def data(self):
        return memoryview(self._buffer).cast("B")

    def metadata(self):
        return bytes(self._metadata)

    def drop(self):
        self._buffer = self._metadata = None


def put_with_create(client, object_id, size, metadata, fill):
    """create -> fill in place -> seal; with create's buffer gone, seal leaves nothing held."""
    buffer = client.create(object_id, size, metadata)
    view = memoryview(buffer).cast("B")
    if len(view) != size or view.readonly:
        raise Failure("create returned %s buffer of %d bytes, expected a writable one of %d"
                      % ("a read-only" if view.readonly else "a", len(view), size))
    fill(view)
    del view, buffer
    client.seal(object_id)


# ---- commands (args after SOCKET) ----

def cmd_put_raw(client, plasma, args, options):
    seed, metadata = int(args[0]), bytes.fromhex(args[1])
    for index, size in enumerate(int(s) for s in args[2:]):
        object_id = plasma.ObjectID.from_random()
        put_with_create(client, object_id, size, metadata, shared.fill_pattern((seed + index) & 0xff))
        print(object_id.binary().hex())


def cmd_get_raw(client, plasma, args, options):
    seed, metadata = int(args[0]), bytes.fromhex(args[1])
    reader = Reader(client, plasma)
    ids = []
    for index, spec in enumerate(args[2:]):
        size_text, _, hex_id = spec.partition("=")
        [obj] = reader.get_many([hex_id], shared.GET_TIMEOUT_MS)
        try:
            shared.check_object(obj, hex_id, int(size_text), (seed + index) & 0xff, metadata)
        finally:
            reader.release([obj])
        ids.append(obj.object_id)
    client.delete(ids)


def cmd_put_arrow(client, plasma, args, options):
    if options.get("pyarrow"):
        object_id = client.put_table(shared.pyarrow_reference_batch())
    else:
        if not args:
            raise Failure("put-arrow without --pyarrow needs an IPC_FILE to relay")
        with open(args[0], "rb") as f:
            object_id = client.put_raw_buffer(f.read(), metadata=b"RAW")
    # What the store holds is what the reader checks: size and digest of the stored bytes.
    [(metadata, buffer)] = client.get_buffers([object_id], timeout_ms=0, with_meta=True)
    if buffer is None or metadata != b"RAW":
        raise Failure("own object %s: buffer %r, metadata %r" % (object_id.binary().hex(), buffer, metadata))
    data = bytes(memoryview(buffer))
    client.release(object_id)
    del buffer
    print("%s %d %s" % (object_id.binary().hex(), len(data), shared.fnv1a64(data)))


def cmd_get_arrow(client, plasma, args, options):
    hex_id, size, digest = args[0], int(args[1]), args[2]
    reader = Reader(client, plasma)
    [obj] = reader.get_many([hex_id], shared.GET_TIMEOUT_MS)
    try:
        shared.check_arrow_bytes(obj, hex_id, size, digest)
        if options.get("pyarrow"):
            table = client.get_table(obj.object_id, timeout_ms=shared.GET_TIMEOUT_MS)
            if table is None:
                raise Failure("%s: get_table found nothing" % hex_id)
            shared.pyarrow_check_table(table, hex_id)
            del table  # its columns alias the object: gone before the release below
    finally:
        reader.release([obj])
    client.delete([obj.object_id])


def cmd_put_many(client, plasma, args, options):
    # The three write paths in turn: create/seal, create_and_seal, put_raw_buffer.
    for k in range(int(args[0])):
        object_id = plasma.ObjectID.from_random()
        size, metadata, seed = shared.many_size(k), shared.many_metadata(k), k & 0xff
        if k % 3 == 0:
            put_with_create(client, object_id, size, metadata, shared.fill_pattern(seed))
        elif k % 3 == 1:
            client.create_and_seal(object_id, shared.pattern_bytes(size, seed), metadata)
        else:
            client.put_raw_buffer(bytearray(shared.pattern_bytes(size, seed)), object_id=object_id, metadata=metadata)
        print(object_id.binary().hex())


def cmd_get_many(client, plasma, args, options):
    reader = Reader(client, plasma)
    objects = reader.get_many(args, shared.GET_TIMEOUT_MS)  # one batch get
    try:
        for k, obj in enumerate(objects):
            shared.check_object(obj, args[k], shared.many_size(k), k & 0xff, shared.many_metadata(k))
    finally:
        reader.release(objects)
    client.delete([obj.object_id for obj in objects])


def cmd_put_stream(client, plasma, args, options):
    for k, hex_id in enumerate(args):
        put_with_create(client, plasma.ObjectID(shared.parse_id(hex_id)), shared.stream_size(k),
                        shared.many_metadata(k), shared.fill_pattern(k & 0xff))


def cmd_get_stream(client, plasma, args, options):
    reader = Reader(client, plasma)
    # Tells the driver this reader is connected: it starts the writer only then.
    print("connected", flush=True)
    for k, hex_id in enumerate(args):
        [obj] = reader.get_many([hex_id], shared.STREAM_GET_TIMEOUT_MS)
        try:
            shared.check_object(obj, hex_id, shared.stream_size(k), k & 0xff, shared.many_metadata(k))
        finally:
            reader.release([obj])


COMMANDS = {"put-raw": cmd_put_raw, "get-raw": cmd_get_raw, "put-arrow": cmd_put_arrow,
            "get-arrow": cmd_get_arrow, "put-many": cmd_put_many, "get-many": cmd_get_many,
            "put-stream": cmd_put_stream, "get-stream": cmd_get_stream}


def probe(options):
    """For run.sh's build note: the package imports, pyarrow too when --pyarrow, pyarrow.plasma not."""
    import_plasma()
    if options.get("pyarrow"):
        shared.import_pyarrow()
    try:
        import pyarrow.plasma  # noqa: F401
    except ImportError:
        return 0
    raise Failure("pyarrow.plasma is still importable: the blocker did not work")


def main(argv):
    options = {}
    while argv and argv[0].startswith("--"):
        flag = argv.pop(0)
        if flag == "--pyarrow":
            options["pyarrow"] = True
        else:
            raise Failure("unknown flag %s" % flag)
    if argv == ["probe"]:
        return probe(options)
    if len(argv) < 2 or argv[0] not in COMMANDS:
        raise Failure("usage: crosslang_plasmasharp.py [--pyarrow] COMMAND SOCKET ARGS... | probe")
    if options.get("pyarrow"):
        shared.import_pyarrow()  # CannotRun (skip) when it is not there
    plasma = import_plasma()
    command, socket, args = argv[0], argv[1], argv[2:]
    client = plasma.connect(socket, num_retries=20)
    try:
        COMMANDS[command](client, plasma, args, options)
    finally:
        client.disconnect()
    return 0


if __name__ == "__main__":
    shared.exit_with(main)
