using Apache.Arrow;
using Apache.Arrow.Types;

namespace PlasmaSharp.Bench;

/// <summary>Record batches of a given byte size without building them value by value: one
/// non-nullable Int64 column whose data buffer wraps a filled managed array.</summary>
public static class BatchFactory
{
    public static RecordBatch Int64Batch(long bytes)
    {
        int length = (int)Math.Max(1, bytes / sizeof(long));
        var data = new byte[length * sizeof(long)];
        data.AsSpan().Fill(0x2a);
        var values = new ArrowBuffer(data);
        var array = new Int64Array(new ArrayData(Int64Type.Default, length, 0, 0, [ArrowBuffer.Empty, values]));
        var schema = new Schema.Builder().Field(f => f.Name("value").DataType(Int64Type.Default).Nullable(false)).Build();
        return new RecordBatch(schema, [array], length);
    }
}
