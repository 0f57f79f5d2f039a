"""Bad input and broken connections raise clear Python exceptions; the interpreter never crashes
(a crash would take pytest down with it, failing the run)."""
import threading
import time

import pytest


@pytest.mark.parametrize("bad", [b"short", b"x" * 21])
def test_wrong_id_length(plasma, bad):
    with pytest.raises(ValueError, match="20 bytes"):
        plasma.ObjectID(bad)


def test_ids_must_be_object_ids(client, plasma):
    for call in (lambda: client.contains(b"a" * 20), lambda: client.create(b"a" * 20, 1),
                 lambda: client.get_buffers([b"a" * 20]), lambda: client.delete([b"a" * 20]),
                 lambda: client.hash("a" * 20), lambda: client.seal(None)):
        with pytest.raises(TypeError, match="ObjectID"):
            call()
    with pytest.raises(TypeError):
        client.get_buffers(plasma.ObjectID.from_random())   # a list is needed, as in pyarrow


def test_negative_sizes(client, plasma):
    with pytest.raises(ValueError, match="data_size"):
        client.create(plasma.ObjectID.from_random(), -1)
    with pytest.raises(ValueError, match="num_bytes"):
        client.evict(-5)
    with pytest.raises(ValueError, match="limit_output_memory"):
        client.set_client_options("x", -1)
    assert client.contains(plasma.ObjectID.from_random()) is False   # the connection is still fine


def test_bad_values(client, plasma):
    with pytest.raises(TypeError):
        client.put_raw_buffer("text is not a buffer")
    with pytest.raises(TypeError):
        client.create(plasma.ObjectID.from_random(), 1, metadata="str")
    with pytest.raises(TypeError):
        client.create(plasma.ObjectID.from_random(), "ten")


def test_closed_client(client, plasma):
    oid = client.put_raw_buffer(b"kept")
    [kept] = client.get_buffers([oid])
    client.disconnect()
    client.disconnect()   # twice is fine, as in pyarrow
    calls = [lambda: client.contains(oid), lambda: client.get_buffers([oid], 0),
             lambda: client.create(plasma.ObjectID.from_random(), 1),
             lambda: client.create_and_seal(plasma.ObjectID.from_random(), b"x"),
             lambda: client.put_raw_buffer(b"x" * 100000), lambda: client.put([1]),
             lambda: client.list(), lambda: client.hash(oid), lambda: client.delete([oid]),
             lambda: client.evict(1), lambda: client.subscribe(), lambda: client.debug_string()]
    for call in calls:
        with pytest.raises(plasma.PlasmaDisconnected):
            call()
    assert issubclass(plasma.PlasmaDisconnected, OSError)
    assert bytes(kept) == b"kept"   # buffers handed out stay readable


def test_store_gone_between_calls(client, plasma, store):
    oid = client.put_raw_buffer(b"before")
    [before] = client.get_buffers([oid])
    store.kill()
    with pytest.raises(OSError):
        client.contains(plasma.ObjectID.from_random())   # (held objects are answered locally)
    with pytest.raises(OSError):
        client.put_raw_buffer(b"x" * 200000)
    assert bytes(before) == b"before"   # the mapping outlives the store
    del before


def test_store_gone_during_a_blocking_get(client, plasma, store):
    killer = threading.Timer(0.3, store.kill)
    killer.start()
    start = time.monotonic()
    try:
        with pytest.raises(OSError):
            client.get_buffers([plasma.ObjectID.from_random()], timeout_ms=-1)
    finally:
        killer.join()
    assert time.monotonic() - start < 10


def test_store_gone_while_waiting_for_a_notification(client, plasma, store):
    client.subscribe()
    threading.Timer(0.3, store.kill).start()
    with pytest.raises(OSError):
        client.get_next_notification()


def test_connect_to_nothing(plasma, tmp_path):
    start = time.monotonic()
    with pytest.raises(OSError):
        plasma.connect(str(tmp_path / "no.sock"), num_retries=2)
    assert time.monotonic() - start < 5
