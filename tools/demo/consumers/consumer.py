#!/usr/bin/env python3
"""The demo's Python consumer: python3 consumer.py LIBRARY SOCKET ID

Needs nothing but the standard library: ctypes calls PlasmaSharp's C ABI, the object's bytes are
read in place (a ctypes array at the mapped address, viewed through memoryview: no copy), and a
small reader of the Arrow IPC stream framing and its FlatBuffers headers finds the column buffers
(pyarrow is not required). Prints the same key=value report as the C# and Node consumers.
"""
import ctypes
import os
import re
import struct
import sys
import time


class ObjectView(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("data_size", ctypes.c_int64),
                ("metadata", ctypes.c_void_p), ("metadata_size", ctypes.c_int64),
                ("segment_base", ctypes.c_void_p), ("segment_size", ctypes.c_int64),
                ("object_id", ctypes.c_uint8 * 20), ("is_sealed", ctypes.c_uint8),
                ("reserved", ctypes.c_uint8 * 3), ("reserved2", ctypes.c_int32)]


def load(path):
    lib = ctypes.CDLL(path)
    lib.ps_error_message.restype = ctypes.c_char_p
    lib.ps_error_message.argtypes = [ctypes.c_void_p]
    lib.ps_error_free.argtypes = [ctypes.c_void_p]
    lib.ps_client_connect.argtypes = [ctypes.c_char_p, ctypes.c_int32, ctypes.c_int64,
                                      ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
    lib.ps_client_free.argtypes = [ctypes.c_void_p]
    lib.ps_client_get.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int64, ctypes.c_int64,
                                  ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
    lib.ps_object_get_view.argtypes = [ctypes.c_void_p, ctypes.POINTER(ObjectView), ctypes.POINTER(ctypes.c_void_p)]
    lib.ps_object_release.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    return lib


def check(lib, what, call):
    err = ctypes.c_void_p()
    code = call(ctypes.byref(err))
    if code != 0:
        message = lib.ps_error_message(err).decode() if err.value else ""
        if err.value:
            lib.ps_error_free(err)
        raise RuntimeError(f"{what} failed (code {code}) {message}")


# ---- just enough FlatBuffers to read Arrow's Message headers (offsets per the format spec)
class Table:
    def __init__(self, buf, pos):
        self.buf, self.pos = buf, pos
        self.vtable = pos - struct.unpack_from("<i", buf, pos)[0]
        self.vsize = struct.unpack_from("<H", buf, self.vtable)[0]

    def _field(self, index):
        slot = 4 + 2 * index
        if slot >= self.vsize:
            return 0
        off = struct.unpack_from("<H", self.buf, self.vtable + slot)[0]
        return self.pos + off if off else 0

    def scalar(self, index, fmt, default=0):
        at = self._field(index)
        return struct.unpack_from("<" + fmt, self.buf, at)[0] if at else default

    def _target(self, index):
        at = self._field(index)
        return at + struct.unpack_from("<I", self.buf, at)[0] if at else 0

    def table(self, index):
        at = self._target(index)
        return Table(self.buf, at) if at else None

    def vector(self, index):
        """(position of the first element, length)."""
        at = self._target(index)
        return (at + 4, struct.unpack_from("<I", self.buf, at)[0]) if at else (0, 0)

    def tables(self, index):
        start, n = self.vector(index)
        return [Table(self.buf, start + 4 * i + struct.unpack_from("<I", self.buf, start + 4 * i)[0]) for i in range(n)]

    def string(self, index):
        start, n = self.vector(index)
        return bytes(self.buf[start:start + n]).decode()

    def structs16(self, index):
        """A vector of 16-byte structs (FieldNode, Buffer) as (long, long) pairs."""
        start, n = self.vector(index)
        return [struct.unpack_from("<qq", self.buf, start + 16 * i) for i in range(n)]


SCHEMA, DICTIONARY_BATCH, RECORD_BATCH = 1, 2, 3


def read_stream(data):
    """Yields (header type, header table, body offset) for each message of the IPC stream in `data`."""
    pos = 0
    while pos + 8 <= len(data):
        marker, length = struct.unpack_from("<Ii", data, pos)
        if marker != 0xFFFFFFFF:
            raise ValueError(f"no continuation marker at {pos}: not an Arrow IPC stream")
        if length == 0:
            return
        meta = data[pos + 8:pos + 8 + length]  # a memoryview slice: no copy
        message = Table(meta, struct.unpack_from("<I", meta, 0)[0])
        kind, header = message.scalar(1, "B"), message.table(2)
        body = pos + 8 + length
        yield kind, header, body
        pos = body + message.scalar(3, "q")


def get_and_decode(lib, client, oid):
    start = time.perf_counter()
    obj = ctypes.c_void_p()
    check(lib, "get", lambda e: lib.ps_client_get(client, oid, 1, 30000, ctypes.byref(obj), e))
    if not obj.value:
        print(f"object {oid.hex()} did not appear within 30 s", file=sys.stderr)
        sys.exit(2)
    view = ObjectView()
    check(lib, "get_view", lambda e: lib.ps_object_get_view(obj, ctypes.byref(view), e))
    data = memoryview((ctypes.c_char * view.data_size).from_address(view.data)).cast("B")
    names, dictionary, batch = [], None, None
    for kind, header, body in read_stream(data):
        if kind == SCHEMA:
            names = [f.string(0) for f in header.tables(1)]
        elif kind == DICTIONARY_BATCH:
            rb = header.table(1)
            (_, _), (off_o, len_o), (off_d, len_d) = rb.structs16(2)[:3]  # validity, offsets, bytes
            offsets = data[body + off_o:body + off_o + len_o].cast("i")
            chars = data[body + off_d:body + off_d + len_d]
            dictionary = [bytes(chars[offsets[i]:offsets[i + 1]]).decode() for i in range(len(offsets) - 1)]
        elif kind == RECORD_BATCH:
            batch = (header.scalar(0, "q"), header.structs16(2), body)
    if names != ["id", "price", "category", "ts"] or dictionary is None or batch is None:
        raise ValueError(f"not the demo's batch: fields {names}")
    return obj, view, data, dictionary, batch, (time.perf_counter() - start) * 1000


def mapping_of(address):
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split(maxsplit=5)
            start, end = (int(x, 16) for x in parts[0].split("-"))
            if start <= address < end:
                return {"start": start, "end": end, "offset": int(parts[2], 16), "dev": parts[3],
                        "inode": parts[4], "path": parts[5].strip() if len(parts) > 5 else ""}
    return None


def main():
    if len(sys.argv) != 4 or not re.fullmatch(r"[0-9a-fA-F]{40}", sys.argv[3]):
        print("usage: consumer.py LIBRARY SOCKET ID(40 hex)", file=sys.stderr)
        return 1
    lib = load(sys.argv[1])
    oid = bytes.fromhex(sys.argv[3])
    t0 = time.perf_counter()
    client = ctypes.c_void_p()
    check(lib, "connect", lambda e: lib.ps_client_connect(sys.argv[2].encode(), 20, 100, ctypes.byref(client), e))
    connect_ms = (time.perf_counter() - t0) * 1000

    first = get_and_decode(lib, client, oid)
    first_ms = first[-1]
    lib.ps_object_release(first[0], None)
    del first
    obj, view, data, dictionary, (rows, buffers, body), get_ms = get_and_decode(lib, client, oid)

    t0 = time.perf_counter()
    # Buffers in field order: id (validity, values), price (2), category indices (2), ts (2).
    id_off, id_len = buffers[1]
    ids = data[body + id_off:body + id_off + id_len].cast("q")
    id_sum = sum(ids)  # iterates the shared memory in place
    cat_off, cat_len = buffers[5]
    gamma = dictionary.index("gamma")
    # Count int32 == gamma without materializing 10 million Python ints: the re module scans any
    # buffer in place. Indices are < 256, so the 4-byte little-endian pattern only matches aligned.
    gamma_rows = len(re.findall(re.escape(struct.pack("<i", gamma)), data[body + cat_off:body + cat_off + cat_len]))
    ts_off, ts_len = buffers[7]
    ts = data[body + ts_off:body + ts_off + ts_len].cast("q")
    last_ts = ts[-1] if rows else 0
    scan_ms = (time.perf_counter() - t0) * 1000

    column_addr = view.data + body + id_off
    m = mapping_of(column_addr)
    metadata = ctypes.string_at(view.metadata, view.metadata_size).decode("latin-1") if view.metadata_size else ""
    report = {
        "lang": "python", "pid": os.getpid(), "connect_ms": f"{connect_ms:.2f}", "get_ms": f"{get_ms:.2f}",
        "first_get_ms": f"{first_ms:.2f}", "scan_ms": f"{scan_ms:.2f}",
        "rows": rows, "id_sum": id_sum, "gamma_rows": gamma_rows, "last_ts": last_ts,
        "object_id": bytes(view.object_id).hex(), "metadata": metadata,
        "object_addr": hex(view.data), "object_len": view.data_size,
        "column_addr": hex(column_addr), "column_len": id_len,
        "map_start": hex(m["start"] if m else 0), "map_end": hex(m["end"] if m else 0),
        "map_inode": m["inode"] if m else 0, "map_dev": m["dev"] if m else "?", "map_path": m["path"] if m else "?",
        "column_file_offset": column_addr - m["start"] + m["offset"] if m else 0,
    }
    sys.stdout.write("".join(f"{k}={v}\n" for k, v in report.items()))
    sys.stdout.flush()
    del ids, ts, data
    lib.ps_object_release(obj, None)
    lib.ps_client_free(client)
    return 0


if __name__ == "__main__":
    sys.exit(main())
