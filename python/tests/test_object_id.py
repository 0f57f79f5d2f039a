"""ObjectID and ObjectNotAvailable behave as pyarrow 11's (checked against it by hand, see README)."""
import pickle

import pytest

from plasmasharp.plasma import ObjectID, ObjectNotAvailable


def test_binary_round_trip_and_random():
    raw = bytes(range(20))
    assert ObjectID(raw).binary() == raw
    a, b = ObjectID.from_random(), ObjectID.from_random()
    assert len(a.binary()) == 20 and a != b


def test_equality_and_hash_follow_the_bytes():
    a, b = ObjectID(b"a" * 20), ObjectID(b"a" * 20)
    assert a == b and not (a != b) and hash(a) == hash(b)
    assert {a: 1}[b] == 1
    assert a != ObjectID(b"b" * 20)
    assert a != b"a" * 20  # an ObjectID never equals raw bytes (as in pyarrow)


def test_not_orderable():
    with pytest.raises(TypeError):
        ObjectID(b"a" * 20) < ObjectID(b"b" * 20)


def test_pickles():
    a = ObjectID.from_random()
    assert pickle.loads(pickle.dumps(a)) == a
    assert pickle.loads(pickle.dumps([a], protocol=5))[0] == a


def test_repr_shows_hex():
    assert repr(ObjectID(b"\x01" * 20)) == "ObjectID(" + "01" * 20 + ")"


@pytest.mark.parametrize("bad", [b"", b"abc", b"x" * 21, "a" * 20, 5, None])
def test_wrong_length_or_type_is_a_value_error(bad):
    with pytest.raises(ValueError, match="20 bytes"):
        ObjectID(bad)


def test_object_not_available_is_a_class_placeholder():
    assert isinstance(ObjectNotAvailable, type)
