"""Arrow helpers (Ray convention: IPC stream, metadata RAW): written in place, read without copying."""
import pytest

from conftest import mapping_of, needs_pyarrow

pytestmark = needs_pyarrow


def _batch(pa, n=10000):
    return pa.record_batch([pa.array(range(n), pa.int64()), pa.array([str(i) for i in range(n)])],
                           names=["x", "s"])


def test_put_table_get_table_round_trip(client, plasma):
    import pyarrow as pa
    batch = _batch(pa)
    oid = client.put_table(batch)
    [(meta, data)] = client.get_buffers([oid], 0, True)
    assert meta == b"RAW"
    assert pa.ipc.open_stream(data).read_all().equals(pa.Table.from_batches([batch]))
    table = client.get_table(oid, 1000)
    assert table.equals(pa.Table.from_batches([batch]))
    assert client.get_table(plasma.ObjectID.from_random(), 0) is None


def test_columns_alias_the_shared_memory(client, plasma):
    import pyarrow as pa
    oid = client.put_table(pa.Table.from_batches([_batch(pa)] * 3))
    table = client.get_table(oid)
    [data] = client.get_buffers([oid])
    for chunk in table.column("x").chunks:
        address = chunk.buffers()[1].address
        assert data.address <= address < data.address + data.size
        start, end, perms, path = mapping_of(address)
        assert perms[3] == "s" and path.startswith("/dev/shm")


def test_put_and_get_of_arrow_data(client, plasma):
    import pyarrow as pa
    batch = _batch(pa, 100)
    oid = client.put(batch)
    assert client.get_buffers([oid], 0, True)[0][0] == b"RAW"
    assert client.get(oid).equals(pa.Table.from_batches([batch]))


def test_stream_written_by_pyarrow_elsewhere_reads(client, plasma):
    import pyarrow as pa
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, _batch(pa, 5).schema) as w:
        w.write_batch(_batch(pa, 5))
    oid = client.put_raw_buffer(sink.getvalue(), metadata=b"RAW")
    assert client.get_table(oid).num_rows == 5


def test_put_table_refuses_other_values(client, plasma):
    with pytest.raises(TypeError, match="Table or RecordBatch"):
        client.put_table([1, 2])
