"""put/get (pickle protocol 5 with out-of-band buffers), unknown formats, serialization_context."""
import gc

import pytest

from conftest import buffer_address, mapping_of


def test_put_get_python_values(client, plasma):
    value = {"a": [1, 2.5, "three"], "b": (None, True), "c": b"bytes" * 100}
    oid = client.put(value)
    assert client.get(oid) == value
    assert client.get([oid]) == [value]
    assert client.get_buffers([oid], 0, True)[0][0] == b"PLASMASHARP_PICKLE5"


def test_put_with_chosen_id_and_missing_objects(client, plasma):
    oid = plasma.ObjectID.from_random()
    assert client.put([1, 2, 3], oid) == oid
    missing = plasma.ObjectID.from_random()
    assert client.get(missing, 0) is plasma.ObjectNotAvailable
    assert client.get([oid, missing], timeout_ms=50) == [[1, 2, 3], plasma.ObjectNotAvailable]
    with pytest.raises(plasma.PlasmaObjectExists):
        client.put("again", oid)


def test_numpy_arrays_come_back_without_a_copy(client, plasma):
    np = pytest.importorskip("numpy")
    arr = np.arange(100000, dtype=np.float64)
    oid = client.put({"x": arr, "n": 7})
    out = client.get(oid)
    assert out["n"] == 7 and np.array_equal(out["x"], arr)
    address = out["x"].__array_interface__["data"][0]
    start, end, perms, path = mapping_of(address)
    assert perms[3] == "s" and path.startswith("/dev/shm"), (perms, path)  # the store's segment
    assert address % 64 == 0
    [raw] = client.get_buffers([oid])
    assert buffer_address(raw) <= address < buffer_address(raw) + len(raw)
    del raw
    client.delete([oid])
    assert client.contains(oid)        # the array still holds the object
    del out
    gc.collect()
    assert not client.contains(oid)


def test_get_of_an_unknown_format_names_its_metadata(client, plasma):
    oid = plasma.ObjectID.from_random()
    client.create_and_seal(oid, b"not a pickle", b"SOMETHING")
    with pytest.raises(ValueError, match="SOMETHING"):
        client.get(oid)
    empty_meta = plasma.ObjectID.from_random()   # what pyarrow 11's put wrote: pyarrow.serialize, metadata b""
    client.create_and_seal(empty_meta, b"\x00" * 16)
    with pytest.raises(ValueError, match="metadata b''"):
        client.get(empty_meta)


def test_malformed_pickle_object_is_a_clear_error(client, plasma):
    oid = plasma.ObjectID.from_random()
    client.create_and_seal(oid, b"\xff" * 40, b"PLASMASHARP_PICKLE5")
    with pytest.raises(ValueError, match="malformed"):
        client.get(oid)


def test_serialization_context_must_be_none(client, plasma):
    with pytest.raises(ValueError, match="serialization_context"):
        client.put(1, serialization_context=object())
    oid = client.put(1, serialization_context=None)
    with pytest.raises(ValueError, match="serialization_context"):
        client.get(oid, serialization_context=object())
    assert client.get(oid, serialization_context=None) == 1
