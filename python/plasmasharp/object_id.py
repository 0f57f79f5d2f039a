"""ObjectID (20 bytes naming a Plasma object) and ObjectNotAvailable, as in pyarrow.plasma."""
import os

from ._abi import OBJECT_ID_SIZE

# Random ids are cut from one os.urandom block of this many ids: one getrandom() system call per
# block instead of one per put. Taking the next one is a single next() on a list iterator, atomic
# under the GIL, so two threads never get the same id; a forked child drops the parent's block.
_RANDOM_BLOCK_IDS = 256
_random_ids = iter(())


def _forget_random_ids():
    global _random_ids
    _random_ids = iter(())


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_random_ids)


def _random_id_bytes():
    global _random_ids
    binary = next(_random_ids, None)
    if binary is None:
        block = os.urandom(OBJECT_ID_SIZE * _RANDOM_BLOCK_IDS)
        ids = iter([block[i:i + OBJECT_ID_SIZE] for i in range(0, len(block), OBJECT_ID_SIZE)])
        binary = next(ids)
        _random_ids = ids
    return binary


def _make_object_id(binary):
    # Module-level so pickles name a stable function (ObjectID.__reduce__).
    return ObjectID(binary)


class ObjectID:
    """An ObjectID represents a string of 20 bytes used to identify Plasma objects."""

    __slots__ = ("_binary", "__weakref__")

    def __init__(self, object_id):
        if isinstance(object_id, (bytearray, memoryview)):
            object_id = bytes(object_id)
        if not isinstance(object_id, bytes) or len(object_id) != OBJECT_ID_SIZE:
            raise ValueError("Object ID must be %d bytes, is %r" % (OBJECT_ID_SIZE, object_id))
        self._binary = object_id

    @staticmethod
    def from_random():
        """Returns a randomly generated ObjectID."""
        object_id = ObjectID.__new__(ObjectID)  # the bytes are known good: skip __init__'s checks
        object_id._binary = _random_id_bytes()
        return object_id

    def binary(self):
        """Return the binary representation of this ObjectID (20 bytes)."""
        return self._binary

    def __eq__(self, other):
        if not isinstance(other, ObjectID):
            return NotImplemented if not isinstance(other, (bytes, str)) else False
        return self._binary == other._binary

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self):
        return hash(self._binary)

    def __repr__(self):
        return "ObjectID(%s)" % self._binary.hex()

    def __reduce__(self):
        return (_make_object_id, (self._binary,))


class ObjectNotAvailable:
    """Placeholder for an object that was not available within the given timeout.

    As in pyarrow.plasma, `PlasmaClient.get` returns this class itself (not an instance).
    """


def require_object_id(value, argument="object_id"):
    """The 20 id bytes of an ObjectID argument; TypeError for anything else (as pyarrow did)."""
    if not isinstance(value, ObjectID):
        raise TypeError("Argument '%s' has incorrect type (expected ObjectID, got %s)"
                        % (argument, type(value).__name__))
    return value._binary


def id_list_bytes(object_ids):
    """Concatenated id bytes of a sequence of ObjectIDs (the ABI's n*20 array), and their count."""
    ids = [require_object_id(o, "object_ids") for o in object_ids]
    return b"".join(ids), len(ids)
