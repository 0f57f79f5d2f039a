"""The external-store scenario with the real pyarrow 11 pyarrow.plasma (run by
test_external_store.py with $ARROW11_BIN/python3 against a store started with
`-e hashtable://...`, ours or the real one):
    python3 external_store.py SOCKET CAPACITY
Fills the store to 2.5x its capacity, then checks that nothing was lost: one seal
notification per object and no deletion, every object contained and listed as sealed, and
every object read back with its own bytes (restores), with no notification for the restores.
Objects carry no metadata: the real store aborts restoring an object with metadata (a failed
size check in its hash_table_store.cc; ours restores them, tests/native/store). Prints OK."""
import select
import sys

import numpy as np
import pyarrow.plasma as plasma

socket_path, capacity = sys.argv[1], int(sys.argv[2])
object_bytes = 1 << 20
count = (capacity * 5 // 2) // object_bytes


def payload(i):
    return np.random.default_rng(i).integers(0, 256, object_bytes, dtype=np.uint8)


def drain(sock, client):
    got = []
    while select.select([sock], [], [], 0.5)[0]:
        object_id, data_size, metadata_size = client.get_next_notification()
        got.append((object_id, data_size))
    return got


client = plasma.connect(socket_path)
subscriber = plasma.connect(socket_path)
subscriber.subscribe()
notification_socket = subscriber.get_notification_socket()  # keep: it owns the fd

ids = [plasma.ObjectID(bytes([i + 1]) * 20) for i in range(count)]
for i, object_id in enumerate(ids):
    buf = client.create(object_id, object_bytes)
    np.frombuffer(buf, dtype=np.uint8)[:] = payload(i)
    client.seal(object_id)
    del buf  # releases it: sealed and unused, so it can be evicted

notes = drain(notification_socket, subscriber)
assert len(notes) == count, "expected %d seal notifications, got %d" % (count, len(notes))
assert all(size == object_bytes for _, size in notes), "a deletion notification: %r" % notes
assert all(client.contains(object_id) for object_id in ids), "a spilled object is not contained"
listed = client.list()
assert set(listed) == set(ids), "list has %d of %d objects" % (len(listed), count)
assert all(info["state"] == "sealed" and info["data_size"] == object_bytes for info in listed.values())

for i, object_id in enumerate(ids):  # oldest (spilled) first: each restore spills others
    [buf] = client.get_buffers([object_id], timeout_ms=1000)
    assert buf is not None, "object %d was lost" % i
    assert np.array_equal(np.frombuffer(buf, dtype=np.uint8), payload(i)), "object %d has other bytes" % i
    del buf

assert drain(notification_socket, subscriber) == [], "restores or spills were notified"
print("%d objects of %d bytes through a %d-byte store: OK" % (count, object_bytes, capacity))
