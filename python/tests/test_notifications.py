"""subscribe / get_next_notification / get_notification_socket / decode_notifications."""
import select
import struct

import pytest


def _read_frame(sock):
    def exactly(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            assert chunk, "notification socket closed"
            data += chunk
        return data
    return exactly(struct.unpack("<q", exactly(8))[0])


def test_seal_and_delete_notifications(client, plasma, store):
    client.subscribe()
    writer = plasma.connect(store.socket)
    a = plasma.ObjectID.from_random()
    writer.create_and_seal(a, b"12345", b"mm")
    assert client.get_next_notification() == (a, 5, 2)
    writer.delete([a])
    assert client.get_next_notification() == (a, -1, -1)
    writer.disconnect()


def test_subscribe_reports_objects_sealed_before(client, plasma):
    earlier = client.put_raw_buffer(b"abc")
    client.subscribe()
    assert client.get_next_notification() == (earlier, 3, 0)


def test_notification_socket_and_decode(client, plasma):
    with pytest.raises(plasma.PlasmaError):
        client.get_notification_socket()
    client.subscribe()
    sock = client.get_notification_socket()
    assert sock.gettimeout() is None
    b = plasma.ObjectID.from_random()
    client.create_and_seal(b, b"123", b"x")
    assert select.select([sock], [], [], 5)[0], "no notification within 5 s"
    assert client.decode_notifications(_read_frame(sock)) == ([b], [3], [1])
    client.delete([b])
    ids, data_sizes, metadata_sizes = client.decode_notifications(bytearray(_read_frame(sock)))
    assert ids == [b] and data_sizes == [-1] and metadata_sizes == [-1]


def test_decode_rejects_garbage(client, plasma):
    with pytest.raises(ValueError, match="malformed"):
        client.decode_notifications(b"\xff\xff\xff\x7f" + b"\x00" * 8)
