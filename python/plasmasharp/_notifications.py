"""Reads the store's notification stream (a small flatbuffers reader, no dependency).

On the subscription socket each notification is a frame: an int64 (little-endian) byte count,
then a flatbuffer `PlasmaNotification { object_info: [ObjectInfo] }` (native/protocol/plasma.fbs).
pyarrow.plasma's decode_notifications takes that flatbuffer (the frame without its count);
deleted objects report data_size = metadata_size = -1, as pyarrow did.
"""
import struct

_U8 = struct.Struct("<B")
_U16 = struct.Struct("<H")
_I32 = struct.Struct("<i")
_U32 = struct.Struct("<I")
_I64 = struct.Struct("<q")
_FRAME_HEADER = _I64

# ObjectInfo field numbers (schema order)
_OBJECT_ID, _DATA_SIZE, _METADATA_SIZE, _IS_DELETION = 0, 1, 2, 7
MAX_FRAME = 64 << 20  # a notification frame is a few hundred bytes per object


class _Table:
    """One flatbuffer table: field lookup through its vtable, every offset bounds-checked."""

    def __init__(self, buf, pos):
        self.buf, self.pos = buf, pos
        vtable = pos - _read(_I32, buf, pos)
        self.vtable = vtable
        self.vtable_size = _read(_U16, buf, vtable)

    def _field(self, index):
        slot = 4 + 2 * index
        if slot + 2 > self.vtable_size:
            return None
        offset = _read(_U16, self.buf, self.vtable + slot)
        return self.pos + offset if offset else None

    def scalar(self, index, fmt, default=0):
        at = self._field(index)
        return default if at is None else _read(fmt, self.buf, at)

    def indirect(self, index):
        at = self._field(index)
        return None if at is None else at + _read(_U32, self.buf, at)

    def string(self, index):
        at = self.indirect(index)
        if at is None:
            return b""
        length = _read(_U32, self.buf, at)
        _check(self.buf, at + 4, length)
        return bytes(self.buf[at + 4:at + 4 + length])

    def tables(self, index):
        at = self.indirect(index)
        if at is None:
            return []
        count = _read(_U32, self.buf, at)
        _check(self.buf, at + 4, 4 * count)
        items = []
        for i in range(count):
            element = at + 4 + 4 * i
            items.append(_Table(self.buf, element + _read(_U32, self.buf, element)))
        return items


def _check(buf, pos, size):
    if pos < 0 or size < 0 or pos + size > len(buf):
        raise ValueError("malformed Plasma notification: offset %d (+%d) outside its %d bytes"
                         % (pos, size, len(buf)))


def _read(fmt, buf, pos):
    _check(buf, pos, fmt.size)
    return fmt.unpack_from(buf, pos)[0]


def decode(buf):
    """One notification flatbuffer -> list of (object_id bytes, data_size, metadata_size)."""
    buf = memoryview(buf).cast("B")
    root = _Table(buf, _read(_U32, buf, 0))
    entries = []
    for info in root.tables(0):
        object_id = info.string(_OBJECT_ID)
        if info.scalar(_IS_DELETION, _U8):
            entries.append((object_id, -1, -1))
        else:
            entries.append((object_id, info.scalar(_DATA_SIZE, _I64), info.scalar(_METADATA_SIZE, _I64)))
    return entries


def read_frame(sock):
    """The next frame's flatbuffer from a blocking socket; EOFError when the store closed it."""
    size = _FRAME_HEADER.unpack(_recv_exactly(sock, _FRAME_HEADER.size))[0]
    if size < 0 or size > MAX_FRAME:
        raise ValueError("malformed Plasma notification frame: length %d" % size)
    return _recv_exactly(sock, size)


def _recv_exactly(sock, size):
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(remaining)
        if not chunk:
            raise EOFError("the store closed the notification socket")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
