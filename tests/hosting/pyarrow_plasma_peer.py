"""The Python side of ArrowServiceTests, run with Arrow 11's python (pyarrow 11 + pyarrow.plasma).

  python3 pyarrow_plasma_peer.py SOCKET read ID   prints {"rows", "columns", "sum_x", "first_names"} of the stored stream
  python3 pyarrow_plasma_peer.py SOCKET write     stores a 500-row batch (metadata RAW) and prints its id
"""
import json
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.plasma as plasma

client = plasma.connect(sys.argv[1])
if sys.argv[2] == "read":
    [buf] = client.get_buffers([plasma.ObjectID(bytes.fromhex(sys.argv[3]))], timeout_ms=5000)
    table = pa.ipc.open_stream(buf).read_all()  # zero copy: buf is the store's shared memory
    print(json.dumps({
        "rows": table.num_rows,
        "columns": table.column_names,
        "sum_x": pc.sum(table["x"]).as_py(),
        "first_names": table["name"].to_pylist()[:3],
    }))
else:
    batch = pa.record_batch([pa.array(range(500), pa.int64()), pa.array([f"py{i}" for i in range(500)])],
                            names=["x", "name"])
    sizer = pa.MockOutputStream()
    with pa.ipc.new_stream(sizer, batch.schema) as writer:
        writer.write_batch(batch)
    object_id = plasma.ObjectID.from_random()
    buf = client.create(object_id, sizer.size(), b"RAW")
    with pa.ipc.new_stream(pa.FixedSizeBufferWriter(buf), batch.schema) as writer:
        writer.write_batch(batch)
    client.seal(object_id)
    print(object_id.binary().hex())
