"""create/seal/get_buffers/put_raw_buffer and the queries, against both stores."""
import gc
import time

import pytest

from conftest import buffer_address, needs_pyarrow


def test_create_write_seal_get(client, plasma):
    oid = plasma.ObjectID.from_random()
    buf = client.create(oid, 5, b"meta")
    memoryview(buf).cast("B")[:] = b"hello"
    assert client.contains(oid)   # its creator sees it before the seal, as libplasma answers
    client.seal(oid)
    [data] = client.get_buffers([oid])
    assert bytes(data) == b"hello"
    [(meta, data2)] = client.get_buffers([oid], with_meta=True)
    assert meta == b"meta" and bytes(data2) == b"hello"
    [meta_buf] = client.get_metadata([oid])
    assert bytes(meta_buf) == b"meta"


def test_get_buffers_are_read_only_and_create_is_writable(client, plasma):
    oid = plasma.ObjectID.from_random()
    buf = client.create(oid, 3)
    assert not memoryview(buf).readonly
    client.seal(oid)
    [data] = client.get_buffers([oid])
    assert memoryview(data).readonly


def test_unsealed_object_of_this_client_is_not_available(client, plasma):
    oid = plasma.ObjectID.from_random()
    client.create(oid, 3)
    assert client.get_buffers([oid], timeout_ms=0) == [None]
    client.seal(oid)
    assert client.get_buffers([oid], timeout_ms=0)[0] is not None


def test_missing_object_with_timeout(client, plasma):
    missing = plasma.ObjectID.from_random()
    start = time.monotonic()
    assert client.get_buffers([missing], timeout_ms=200) == [None]
    assert time.monotonic() - start >= 0.15
    assert client.get_buffers([missing], 0, with_meta=True) == [(None, None)]
    assert client.get_metadata([missing], 0) == [None]
    assert client.get_buffers([]) == []


def test_create_and_seal_and_put_raw_buffer(client, plasma):
    oid = plasma.ObjectID.from_random()
    client.create_and_seal(oid, b"small", b"m")
    assert client.get_buffers([oid], 0, True)[0][0] == b"m"
    big = bytes(range(256)) * 4096   # 1 MiB: the create + copy-and-seal path
    big_id = client.put_raw_buffer(big, metadata=b"big")
    assert isinstance(big_id, plasma.ObjectID)
    [(meta, data)] = client.get_buffers([big_id], 0, True)
    assert meta == b"big" and bytes(data) == big
    chosen = plasma.ObjectID.from_random()
    assert client.put_raw_buffer(bytearray(b"abc"), object_id=chosen) == chosen
    assert bytes(client.get_buffers([chosen], 0)[0]) == b"abc"


def test_empty_objects(client, plasma):
    oid = plasma.ObjectID.from_random()
    client.create_and_seal(oid, b"", b"")
    [(meta, data)] = client.get_buffers([oid], 0, True)
    assert meta == b"" and len(data) == 0
    zero = plasma.ObjectID.from_random()
    assert len(client.create(zero, 0)) == 0
    client.seal(zero)


def test_exists_full_and_not_found(client, plasma, store):
    oid = plasma.ObjectID.from_random()
    client.create_and_seal(oid, b"x")
    with pytest.raises(plasma.PlasmaObjectExists):
        client.create(oid, 1)
    with pytest.raises(plasma.PlasmaObjectExists):
        client.create_and_seal(oid, b"x")
    with pytest.raises(plasma.PlasmaObjectExists):
        client.put_raw_buffer(b"x" * 100000, object_id=oid)
    with pytest.raises(plasma.PlasmaStoreFull):
        client.create(plasma.ObjectID.from_random(), 1 << 30)
    with pytest.raises(plasma.PlasmaStoreFull):
        client.put_raw_buffer(b"x" * (80 << 20))
    with pytest.raises(plasma.PlasmaObjectNotFound):
        client.hash(plasma.ObjectID.from_random())
    with pytest.raises(plasma.PlasmaObjectNotFound):
        client.seal(plasma.ObjectID.from_random())
    with pytest.raises(plasma.PlasmaObjectNotFound):
        client.seal(oid)   # sealed already: no unsealed object of this client


def test_contains_delete_hash_list(client, plasma):
    a, b = plasma.ObjectID.from_random(), plasma.ObjectID.from_random()
    client.create_and_seal(a, b"12345", b"mm")
    client.create_and_seal(b, b"12345", b"mm")
    other = plasma.ObjectID.from_random()
    client.create_and_seal(other, b"12345", b"other")
    assert client.contains(a) and not client.contains(plasma.ObjectID.from_random())
    digest = client.hash(a)
    assert isinstance(digest, bytes) and len(digest) == 8
    assert client.hash(b) == digest              # same data and metadata
    assert client.hash(other) != digest          # the digest covers the metadata too
    listing = client.list()
    assert listing[a]["data_size"] == 5 and listing[a]["metadata_size"] == 2
    assert listing[a]["state"] == "sealed" and listing[a]["ref_count"] == 0
    assert set(listing[a]) == {"data_size", "metadata_size", "ref_count", "create_time",
                               "construct_duration", "state",   # pyarrow.plasma's keys
                               "is_spilled"}                    # ours (-e): see test_store
    assert listing[a]["is_spilled"] is False
    unsealed = plasma.ObjectID.from_random()
    client.create(unsealed, 7)
    entry = client.list()[unsealed]
    assert entry["state"] == "created" and entry["construct_duration"] == -1 and entry["ref_count"] == 1
    client.delete([a, plasma.ObjectID.from_random()])   # unknown ids are ignored
    assert not client.contains(a) and client.contains(b)


def test_buffer_keeps_object_until_released(client, plasma):
    oid = plasma.ObjectID.from_random()
    client.create_and_seal(oid, b"held")
    [held] = client.get_buffers([oid])
    assert client.list()[oid]["ref_count"] == 1
    client.delete([oid])
    assert client.contains(oid)     # in use: deleted once released
    del held
    gc.collect()
    assert not client.contains(oid)


def test_explicit_release(client, plasma):
    oid = plasma.ObjectID.from_random()
    client.create_and_seal(oid, b"x")
    [buf] = client.get_buffers([oid])
    client.release(oid)
    assert client.list()[oid]["ref_count"] == 0
    with pytest.raises(plasma.PlasmaObjectNotFound):
        client.release(oid)
    del buf   # its finalizer must not release a second time
    assert client.list()[oid]["ref_count"] == 0


def test_abort(client, plasma):
    oid = plasma.ObjectID.from_random()
    buf = client.create(oid, 10)
    with pytest.raises(plasma.PlasmaObjectInUse):
        client.abort(oid)
    del buf
    client.abort(oid)
    assert not client.contains(oid)
    client.create_and_seal(oid, b"again")   # the id is free again
    with pytest.raises(plasma.PlasmaObjectNotFound):
        client.abort(oid)


def test_evict_capacity_debug_options(client, plasma, store):
    assert client.store_capacity() == 64 << 20
    oid = client.put_raw_buffer(b"e" * 4096)
    assert client.evict(1) >= 4096
    assert not client.contains(oid)
    assert "allocation limit" in client.debug_string()
    client.set_client_options("pytest", 1 << 20)
    assert client.store_socket_name == store.socket


def test_store_stats(client, plasma):
    before = client.store_stats()
    assert before["capacity"] == 64 << 20
    client.put_raw_buffer(b"s" * 1000)
    unsealed = plasma.ObjectID.from_random()
    buf = client.create(unsealed, 10)
    stats = client.store_stats()
    assert stats["objects"] == before["objects"] + 2
    assert stats["sealed_objects"] == before["sealed_objects"] + 1
    assert stats["objects_in_use"] == before["objects_in_use"] + 1   # the unsealed one
    assert stats["bytes_used"] >= before["bytes_used"] + 1010
    assert stats["evictions"] == 0
    assert client.store_stats(count_objects=False)["objects"] is None   # not counted
    del buf
    client.abort(unsealed)


def test_second_client_sees_sealed_objects(client, plasma, store):
    other = plasma.connect(store.socket)
    oid = plasma.ObjectID.from_random()
    buf = client.create(oid, 4)
    assert not other.contains(oid)
    memoryview(buf).cast("B")[:] = b"abcd"
    client.seal(oid)
    assert bytes(other.get_buffers([oid], 1000)[0]) == b"abcd"
    other.disconnect()


def test_numpy_over_buffer_does_not_copy(client, plasma):
    np = pytest.importorskip("numpy")
    oid = client.put_raw_buffer(np.arange(1000, dtype=np.int64).tobytes())
    [buf] = client.get_buffers([oid])
    arr = np.frombuffer(buf, dtype=np.int64)
    assert arr[999] == 999 and not arr.flags.writeable
    assert arr.__array_interface__["data"][0] == buffer_address(buf)


@needs_pyarrow
def test_buffers_are_pyarrow_buffers_when_pyarrow_imports(client, plasma):
    import pyarrow as pa
    oid = plasma.ObjectID.from_random()
    buf = client.create(oid, 2)
    assert isinstance(buf, pa.Buffer) and buf.is_mutable
    client.seal(oid)
    [data] = client.get_buffers([oid])
    assert isinstance(data, pa.Buffer) and not data.is_mutable


def test_ids_with_zero_bytes_survive_every_path(client, plasma):
    oid = plasma.ObjectID(b"\x00" * 10 + b"\x01" + b"\x00" * 9)
    client.create_and_seal(oid, b"z")
    assert oid in client.list()
    assert bytes(client.get_buffers([oid], 0)[0]) == b"z"
