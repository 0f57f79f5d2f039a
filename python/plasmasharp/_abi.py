"""The C ABI's constants (native/include/plasmasharp.h): the one copy of them in Python.

tests/test_abi_constants.py checks every value against the header's #defines.
"""

OBJECT_ID_SIZE = 20  # PS_OBJECT_ID_SIZE
DIGEST_SIZE = 8  # PS_DIGEST_SIZE

# ps_code values. 1..5 are the Plasma store's own PlasmaError values.
PS_OK = 0
PS_OBJECT_EXISTS = 1
PS_OBJECT_NOT_FOUND = 2
PS_OUT_OF_MEMORY = 3
PS_OBJECT_NOT_SEALED = 4
PS_OBJECT_IN_USE = 5
PS_IO_ERROR = 10
PS_INVALID_ARGUMENT = 11
PS_DISCONNECTED = 12
PS_TIMEOUT = 13
PS_PROTOCOL_ERROR = 14
PS_INTERNAL = 15
