"""The object formats PlasmaClient.put/get use (pyarrow.serialize, which pyarrow 11's put/get
wrote, was removed from pyarrow; these replace it, Ray-like but not Ray-compatible).

- Python values: metadata b"PLASMASHARP_PICKLE5". Data, little-endian:
      u64 pickle_size, u64 buffer_count, buffer_count x (u64 offset, u64 size),
      the pickle (protocol 5) right after that header, then each out-of-band buffer
      (numpy arrays, PickleBuffers) at its offset, 64-byte aligned.
  get() unpickles with the buffers as views of the shared memory: numpy arrays come back
  without a copy (read-only), and keep the object referenced while they live.
- Arrow tables and record batches: an Arrow IPC stream, metadata b"RAW" (the Ray convention,
  and what PlasmaSharp's C# PutRecordBatch writes); get() returns a pyarrow.Table.
"""
import pickle
import struct

PICKLE_METADATA = b"PLASMASHARP_PICKLE5"
ARROW_METADATA = b"RAW"
ALIGNMENT = 64

_U64 = struct.Struct("<Q")
_PAIR = struct.Struct("<QQ")


def _align(n):
    return (n + ALIGNMENT - 1) & ~(ALIGNMENT - 1)


class PickledValue:
    """A value pickled with out-of-band buffers, with its layout computed (nothing copied yet)."""

    def __init__(self, value):
        raw_buffers = []
        self.pickle = pickle.dumps(value, protocol=5, buffer_callback=raw_buffers.append)
        self.buffers = [b.raw() for b in raw_buffers]  # contiguous byte views, no copy
        header = 2 * _U64.size + len(self.buffers) * _PAIR.size
        offset = header + len(self.pickle)
        self.offsets = []
        for b in self.buffers:
            offset = _align(offset)
            self.offsets.append(offset)
            offset += b.nbytes
        self.size = offset
        self.header = _U64.pack(len(self.pickle)) + _U64.pack(len(self.buffers)) + b"".join(
            _PAIR.pack(o, b.nbytes) for o, b in zip(self.offsets, self.buffers))

    def write_into(self, target):
        """Writes the whole object into the writable memoryview `target` (the created object)."""
        target[:len(self.header)] = self.header
        start = len(self.header)
        target[start:start + len(self.pickle)] = self.pickle
        for offset, b in zip(self.offsets, self.buffers):
            target[offset:offset + b.nbytes] = b


def unpickle(data):
    """The value from an object in the format above; `data` is a view of the shared memory."""
    try:
        pickle_size, count = _U64.unpack_from(data, 0)[0], _U64.unpack_from(data, 8)[0]
        header = 2 * _U64.size + count * _PAIR.size
        if header > len(data) or header + pickle_size > len(data):
            raise ValueError("header sizes exceed the object")
        buffers = []
        for i in range(count):
            offset, size = _PAIR.unpack_from(data, 2 * _U64.size + i * _PAIR.size)
            if offset + size > len(data):
                raise ValueError("buffer %d lies outside the object" % i)
            buffers.append(data[offset:offset + size])
    except (struct.error, ValueError) as e:
        raise ValueError("object marked %r is malformed: %s" % (PICKLE_METADATA, e)) from None
    return pickle.loads(data[header:header + pickle_size], buffers=buffers)


def is_arrow_data(value, pa):
    return pa is not None and isinstance(value, (pa.Table, pa.RecordBatch))


def arrow_stream_size(value, pa):
    """Exact byte size of `value` as an IPC stream: a counting pass writes nowhere."""
    sink = pa.MockOutputStream()
    _write_arrow_stream(sink, value, pa)
    return sink.size()


def write_arrow_stream(target, value, pa):
    """Writes `value` as an IPC stream straight into the writable memoryview `target`."""
    sink = pa.FixedSizeBufferWriter(pa.py_buffer(target))
    _write_arrow_stream(sink, value, pa)
    sink.close()


def _write_arrow_stream(sink, value, pa):
    with pa.ipc.new_stream(sink, value.schema) as writer:
        if isinstance(value, pa.Table):
            writer.write_table(value)
        else:
            writer.write_batch(value)


def read_arrow_stream(buffer, pa):
    """A pyarrow.Table over `buffer` (a pyarrow.Buffer of shared memory): columns are not copied."""
    return pa.ipc.open_stream(buffer).read_all()
