"""pyarrow 11's pyarrow.plasma API, over PlasmaSharp: `import plasmasharp.plasma as plasma`.

Same names, arguments, defaults and exceptions as pyarrow.plasma (Apache Arrow 0.17-11.0), plus
PlasmaClient.abort/release (pyarrow had them only in C++) and the Arrow helpers
PlasmaClient.put_table/get_table. Differences: put/get use pickle protocol 5 instead of the
removed pyarrow.serialize (see plasmasharp._serialization), and serialization_context must be None.
"""
from .client import PlasmaClient, connect  # noqa: F401
from .errors import (PlasmaDisconnected, PlasmaError, PlasmaIOError, PlasmaObjectExists,  # noqa: F401
                     PlasmaObjectInUse, PlasmaObjectNotFound, PlasmaObjectNotSealed, PlasmaStoreFull,
                     PlasmaTimeout)
from .object_id import ObjectID, ObjectNotAvailable  # noqa: F401
from .store import start_plasma_store  # noqa: F401

__all__ = ["connect", "start_plasma_store", "PlasmaClient", "ObjectID", "ObjectNotAvailable",
           "PlasmaError", "PlasmaObjectExists", "PlasmaObjectNotFound", "PlasmaStoreFull",
           "PlasmaObjectNotSealed", "PlasmaObjectInUse", "PlasmaIOError", "PlasmaDisconnected",
           "PlasmaTimeout"]
