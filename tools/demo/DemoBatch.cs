using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace PlasmaSharp.Demo;

/// <summary>The demo's record batch: <c>id</c> int64, <c>price</c> float64, <c>category</c>
/// dictionary&lt;int32, utf8&gt;, <c>ts</c> timestamp[us, UTC]. Every value is a function of the row
/// number, so any consumer (C#, Node, Python) can be checked against the same few numbers.</summary>
internal static class DemoBatch
{
    public static readonly string[] Categories = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];
    public const string CheckedCategory = "gamma";
    public const long FirstTimestampMicros = 1_700_000_000_000_000; // 2023-11-14T22:13:20Z
    public const long TimestampStepMicros = 1_000;

    public static long Id(long row) => row;
    public static double Price(long row) => 1.0 + (row % 10_000) * 0.01;
    // A scrambled but deterministic category per row (not just row % 6).
    public static int CategoryIndex(long row) => (int)((ulong)(row * 2_654_435_761L) % (ulong)Categories.Length);
    public static long Timestamp(long row) => FirstTimestampMicros + row * TimestampStepMicros;

    public static Schema Schema { get; } = new Schema.Builder()
        .Field(f => f.Name("id").DataType(Int64Type.Default).Nullable(false))
        .Field(f => f.Name("price").DataType(DoubleType.Default).Nullable(false))
        .Field(f => f.Name("category").DataType(new DictionaryType(Int32Type.Default, StringType.Default, false)).Nullable(false))
        .Field(f => f.Name("ts").DataType(new TimestampType(TimeUnit.Microsecond, "UTC")).Nullable(false))
        .Build();

    /// <summary>Builds the batch from plain arrays (filled in parallel, wrapped without copying).</summary>
    public static RecordBatch Build(int rows)
    {
        byte[] ids = GC.AllocateUninitializedArray<byte>(rows * 8);
        byte[] prices = GC.AllocateUninitializedArray<byte>(rows * 8);
        byte[] categories = GC.AllocateUninitializedArray<byte>(rows * 4);
        byte[] timestamps = GC.AllocateUninitializedArray<byte>(rows * 8);
        const int chunk = 1 << 20;
        Parallel.For(0, (rows + chunk - 1) / chunk, c =>
        {
            int start = c * chunk, end = Math.Min(rows, start + chunk);
            Span<long> id = MemoryMarshal.Cast<byte, long>(ids.AsSpan());
            Span<double> price = MemoryMarshal.Cast<byte, double>(prices.AsSpan());
            Span<int> category = MemoryMarshal.Cast<byte, int>(categories.AsSpan());
            Span<long> ts = MemoryMarshal.Cast<byte, long>(timestamps.AsSpan());
            for (int i = start; i < end; i++)
            {
                id[i] = Id(i);
                price[i] = Price(i);
                category[i] = CategoryIndex(i);
                ts[i] = Timestamp(i);
            }
        });

        var dictionaryType = (DictionaryType)Schema.FieldsList[2].DataType;
        var dictionary = new StringArray.Builder().AppendRange(Categories).Build();
        var indices = (Int32Array)Primitive(Int32Type.Default, categories, rows);
        IArrowArray[] columns =
        [
            Primitive(Int64Type.Default, ids, rows),
            Primitive(DoubleType.Default, prices, rows),
            new DictionaryArray(dictionaryType, indices, dictionary),
            Primitive(Schema.FieldsList[3].DataType, timestamps, rows),
        ];
        return new RecordBatch(Schema, columns, rows);
    }

    private static IArrowArray Primitive(IArrowType type, byte[] values, int rows) =>
        ArrowArrayFactory.BuildArray(new ArrayData(type, rows, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(values)]));

    /// <summary>What every consumer must report for a batch of <paramref name="rows"/> rows.</summary>
    public static Summary Expected(long rows)
    {
        long gamma = 0;
        int gammaIndex = System.Array.IndexOf(Categories, CheckedCategory);
        for (long i = 0; i < rows; i++)
            if (CategoryIndex(i) == gammaIndex) gamma++;
        return new Summary(rows, rows * (rows - 1) / 2, gamma, rows == 0 ? 0 : Timestamp(rows - 1));
    }

    /// <summary>The same four numbers, computed by scanning a received batch (in place).</summary>
    public static Summary Summarize(RecordBatch batch)
    {
        var id = (Int64Array)batch.Column("id");
        var category = (DictionaryArray)batch.Column("category");
        var ts = (TimestampArray)batch.Column("ts");
        long sum = 0;
        foreach (long v in id.Values) sum += v;
        var dictionary = (StringArray)category.Dictionary;
        int gammaIndex = -1;
        for (int i = 0; i < dictionary.Length; i++)
            if (dictionary.GetString(i) == CheckedCategory) gammaIndex = i;
        long gamma = 0;
        foreach (int index in ((Int32Array)category.Indices).Values)
            if (index == gammaIndex) gamma++;
        long lastTs = batch.Length == 0 ? 0 : ts.Values[batch.Length - 1];
        return new Summary(batch.Length, sum, gamma, lastTs);
    }
}

/// <summary>Rows, sum of <c>id</c>, rows whose category is "gamma", last <c>ts</c> (microseconds).</summary>
internal readonly record struct Summary(long Rows, long IdSum, long GammaRows, long LastTimestamp);
