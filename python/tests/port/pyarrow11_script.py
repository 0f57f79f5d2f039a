"""A program written for pyarrow 11's pyarrow.plasma, as its users wrote them. The tests run it
unchanged with the real pyarrow.plasma, and with only the import line changed to
`import plasmasharp.plasma as plasma`, against both stores.   usage: pyarrow11_script.py SOCKET"""
import struct
import sys

import numpy as np
import pyarrow as pa
import pyarrow.plasma as plasma


def check(condition, what):
    if not condition:
        raise SystemExit("FAIL: " + what)


client = plasma.connect(sys.argv[1])
watcher = plasma.connect(sys.argv[1])
watcher.subscribe()
notification_socket = watcher.get_notification_socket()

# Raw buffers: create, write in place, seal, read back without a copy.
object_id = plasma.ObjectID(np.random.bytes(20))
buffer = client.create(object_id, 1000, metadata=b"raw")
stream = pa.FixedSizeBufferWriter(buffer)
stream.write(bytes(range(250)) * 4)
client.seal(object_id)
[data] = client.get_buffers([object_id])
check(np.frombuffer(data, dtype=np.uint8)[251] == 1, "raw data")
[(metadata, _)] = client.get_buffers([object_id], with_meta=True)
check(metadata == b"raw", "metadata")
check(client.get_buffers([plasma.ObjectID.from_random()], timeout_ms=10) == [None], "missing object")

# Arrow batches: an IPC stream written straight into the object, read back zero-copy.
batch = pa.RecordBatch.from_arrays([pa.array(np.arange(100000)), pa.array(["v%d" % i for i in range(100000)])],
                                   ["n", "s"])
mock = pa.MockOutputStream()
with pa.RecordBatchStreamWriter(mock, batch.schema) as writer:
    writer.write_batch(batch)
batch_id = plasma.ObjectID.from_random()
buffer = client.create(batch_id, mock.size())
with pa.RecordBatchStreamWriter(pa.FixedSizeBufferWriter(buffer), batch.schema) as writer:
    writer.write_batch(batch)
client.seal(batch_id)
[data] = watcher.get_buffers([batch_id], timeout_ms=5000)
read_back = pa.RecordBatchStreamReader(pa.BufferReader(data)).read_next_batch()
check(read_back.equals(batch), "arrow batch")
column_address = read_back.column(0).buffers()[1].address
check(data.address <= column_address < data.address + data.size, "columns alias the object")

# Python values.
value_id = client.put({"answer": 42, "list": [1, 2, 3]})
check(client.get(value_id) == {"answer": 42, "list": [1, 2, 3]}, "put/get")
check(client.get(plasma.ObjectID.from_random(), timeout_ms=0) is plasma.ObjectNotAvailable, "not available")

# contains / hash / list / delete.
check(client.contains(object_id) and client.contains(batch_id), "contains")
check(len(client.hash(object_id)) == 8, "hash")
listing = client.list()
check(listing[object_id]["data_size"] == 1000 and listing[object_id]["state"] == "sealed", "list")
del data, read_back, stream, _  # every buffer of object_id: delete() frees an object once unreferenced
try:
    client.create(object_id, 10)
    check(False, "PlasmaObjectExists expected")
except plasma.PlasmaObjectExists:
    pass
client.delete([object_id])
check(not client.contains(object_id), "delete")

# Notifications: objects sealed (sizes) and deleted (-1), in order.
seen = {}
while object_id not in seen or seen[object_id] != (-1, -1):
    oid, data_size, metadata_size = watcher.get_next_notification()
    seen[oid] = (data_size, metadata_size)
check(batch_id in seen and seen[batch_id][0] == mock.size(), "seal notification")
last_id = client.put_raw_buffer(b"12345", metadata=b"xy")
header = notification_socket.recv(8)
body = notification_socket.recv(struct.unpack("<q", header)[0], 0)
ids, data_sizes, metadata_sizes = watcher.decode_notifications(body)
check(ids == [last_id] and data_sizes == [5] and metadata_sizes == [2], "decode_notifications")

check(client.store_capacity() > 0, "store_capacity")
client.disconnect()
watcher.disconnect()
print("OK")
