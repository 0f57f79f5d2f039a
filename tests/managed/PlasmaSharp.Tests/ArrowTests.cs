using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using PlasmaSharp.Arrow;

namespace PlasmaSharp.Tests;

public class ArrowTests : IClassFixture<StoreFixture>
{
    private readonly StoreFixture _stores;

    public ArrowTests(StoreFixture stores) => _stores = stores;

    internal static RecordBatch AllTypesBatch(int rows = 100)
    {
        var dictionaryType = new DictionaryType(Int32Type.Default, StringType.Default, false);
        var dictionary = new StringArray.Builder().Append("red").Append("green").Append("blue").Build();
        var indices = new Int32Array.Builder().AppendRange(Enumerable.Range(0, rows).Select(i => i % 3)).Build();
        var dictionaryArray = new DictionaryArray(dictionaryType, indices, dictionary);

        var listBuilder = new ListArray.Builder(Int64Type.Default);
        var listValues = (Int64Array.Builder)listBuilder.ValueBuilder;
        for (int i = 0; i < rows; i++)
        {
            if (i % 5 == 4) { listBuilder.AppendNull(); continue; }
            listBuilder.Append();
            for (int k = 0; k < i % 4; k++) listValues.Append(i * 10L + k);
        }

        var structType = new StructType([new Field("x", Int32Type.Default, true), new Field("y", StringType.Default, true)]);
        var structArray = new StructArray(structType, rows,
            [new Int32Array.Builder().AppendRange(Enumerable.Range(0, rows)).Build(),
             new StringArray.Builder().AppendRange(Enumerable.Range(0, rows).Select(i => $"s{i}")).Build()],
            ArrowBuffer.Empty, 0);

        var timestamps = new TimestampArray.Builder(new TimestampType(TimeUnit.Microsecond, "UTC"));
        for (int i = 0; i < rows; i++) timestamps.Append(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(i));

        var bools = new BooleanArray.Builder();
        for (int i = 0; i < rows; i++) { if (i % 3 == 0) bools.AppendNull(); else bools.Append(i % 2 == 0); }

        var binary = new BinaryArray.Builder();
        for (int i = 0; i < rows; i++) binary.Append(new byte[] { (byte)i, (byte)(i + 1) }.AsSpan());

        return new RecordBatch.Builder()
            .Append("i8", true, c => c.Int8(b => b.AppendRange(Enumerable.Range(0, rows).Select(i => (sbyte)(i % 100)))))
            .Append("i32", false, c => c.Int32(b => b.AppendRange(Enumerable.Range(0, rows))))
            .Append("i64", true, c => c.Int64(b => { for (int i = 0; i < rows; i++) { if (i % 7 == 0) b.AppendNull(); else b.Append(i * 1_000_000_007L); } }))
            .Append("u16", true, c => c.UInt16(b => b.AppendRange(Enumerable.Range(0, rows).Select(i => (ushort)i))))
            .Append("f32", true, c => c.Float(b => b.AppendRange(Enumerable.Range(0, rows).Select(i => i / 3f))))
            .Append("f64", true, c => c.Double(b => b.AppendRange(Enumerable.Range(0, rows).Select(i => Math.PI * i))))
            .Append("str", true, c => c.String(b => { for (int i = 0; i < rows; i++) { if (i % 10 == 3) b.AppendNull(); else b.Append($"héllo {i}"); } }))
            .Append("bin", true, binary.Build())
            .Append("bool", true, bools.Build())
            .Append("list", true, listBuilder.Build())
            .Append("struct", true, structArray)
            .Append("dict", true, dictionaryArray)
            .Append("ts", true, timestamps.Build())
            .Build();
    }

    internal static void AssertSameBatch(RecordBatch expected, RecordBatch actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.Equal(expected.ColumnCount, actual.ColumnCount);
        for (int c = 0; c < expected.ColumnCount; c++)
        {
            Assert.Equal(expected.Schema.FieldsList[c].Name, actual.Schema.FieldsList[c].Name);
            Assert.Equal(expected.Schema.FieldsList[c].DataType.TypeId, actual.Schema.FieldsList[c].DataType.TypeId);
            IArrowArray e = expected.Column(c), a = actual.Column(c);
            Assert.Equal(e.NullCount, a.NullCount);
            for (int row = 0; row < expected.Length; row++)
                Assert.True(Render(e, row) == Render(a, row), $"column {expected.Schema.FieldsList[c].Name} row {row}: {Render(e, row)} vs {Render(a, row)}");
        }
    }

    private static string Render(IArrowArray array, int row)
    {
        if (array.IsNull(row)) return "null";
        return array switch
        {
            Int8Array x => x.GetValue(row).ToString()!,
            Int32Array x => x.GetValue(row).ToString()!,
            Int64Array x => x.GetValue(row).ToString()!,
            UInt16Array x => x.GetValue(row).ToString()!,
            FloatArray x => x.GetValue(row)!.Value.ToString("R"),
            DoubleArray x => x.GetValue(row)!.Value.ToString("R"),
            StringArray x => x.GetString(row),
            BinaryArray x => Convert.ToHexString(x.GetBytes(row)),
            BooleanArray x => x.GetValue(row).ToString()!,
            TimestampArray x => x.GetTimestamp(row)!.Value.ToString("O"),
            ListArray x => "[" + string.Join(",", Enumerable.Range(0, x.GetValueLength(row))
                .Select(k => Render(x.Values, x.ValueOffsets[row] + k))) + "]",
            StructArray x => "{" + string.Join(",", x.Fields.Select(f => Render(f, row))) + "}",
            DictionaryArray x => Render(x.Dictionary, ((Int32Array)x.Indices).GetValue(row)!.Value),
            _ => throw new NotSupportedException(array.GetType().Name),
        };
    }

    [Theory, OurStore, RealStore]
    public void Every_common_type_round_trips(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        using RecordBatch batch = AllTypesBatch();
        ObjectId id = ObjectId.NewRandom();
        long size = client.PutRecordBatch(id, batch);
        Assert.Equal(size, client.Info(id)!.DataSize);

        using RecordBatch? back = client.GetRecordBatch(id, TimeSpan.Zero);
        Assert.NotNull(back);
        AssertSameBatch(batch, back);
    }

    [Theory, OurStore, RealStore]
    public void The_object_is_a_plain_Arrow_IPC_stream_with_RAW_metadata(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        using RecordBatch batch = AllTypesBatch(10);
        ObjectId id = ObjectId.NewRandom();
        client.PutRecordBatch(id, batch);
        using PlasmaObject obj = client.Get(id, TimeSpan.Zero)!;
        Assert.Equal("RAW"u8.ToArray(), obj.Metadata.ToArray());
        // Any Arrow reader (here: the copying stream reader) reads it.
        using var reader = new ArrowStreamReader(new MemoryStream(obj.Data.ToArray()));
        using RecordBatch copy = reader.ReadNextRecordBatch();
        AssertSameBatch(batch, copy);
        Assert.Null(reader.ReadNextRecordBatch());
    }

    [Theory, OurStore, RealStore]
    public void Metadata_is_configurable(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        using RecordBatch batch = AllTypesBatch(3);
        ObjectId id = ObjectId.NewRandom();
        client.PutRecordBatch(id, batch, new PlasmaArrowOptions { Metadata = "ARROW"u8.ToArray() });
        using PlasmaObject obj = client.Get(id, TimeSpan.Zero)!;
        Assert.Equal("ARROW"u8.ToArray(), obj.Metadata.ToArray());
    }

    [Theory, OurStore, RealStore]
    public void Several_batches_of_one_schema_round_trip_in_order(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        RecordBatch[] batches = [AllTypesBatch(10), AllTypesBatch(20), AllTypesBatch(1)];
        ObjectId id = ObjectId.NewRandom();
        client.PutRecordBatches(id, batches[0].Schema, batches);
        RecordBatch[] back = client.GetRecordBatches(id, TimeSpan.Zero)!;
        Assert.Equal(3, back.Length);
        for (int i = 0; i < 3; i++) AssertSameBatch(batches[i], back[i]);
        foreach (var b in back.Concat(batches)) b.Dispose();
    }

    [Theory, OurStore, RealStore]
    public void Batches_of_another_schema_are_refused(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        using RecordBatch a = AllTypesBatch(2);
        using RecordBatch b = new RecordBatch.Builder().Append("other", false, c => c.Int32(x => x.Append(1))).Build();
        ObjectId id = ObjectId.NewRandom();
        Assert.Throws<ArgumentException>(() => client.PutRecordBatches(id, a.Schema, [a, b]));
        Assert.Null(client.Info(id)); // nothing was created
    }

    [Theory, OurStore, RealStore]
    public unsafe void Column_buffers_alias_the_shared_memory(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        using RecordBatch batch = AllTypesBatch();
        ObjectId id = ObjectId.NewRandom();
        client.PutRecordBatch(id, batch);
        using PlasmaObject obj = client.Get(id, TimeSpan.Zero)!;
        RecordBatch[] read = obj.ReadRecordBatches();
        using RecordBatch back = Assert.Single(read);
        byte* lo = (byte*)obj.DangerousGetDataPointer(), hi = lo + obj.DataLength;

        var ints = (Int32Array)back.Column("i32");
        fixed (byte* p = ints.ValueBuffer.Span) Assert.True(p >= lo && p < hi, "Int32 values are outside the object");
        var strings = (StringArray)back.Column("str");
        fixed (byte* p = strings.ValueBuffer.Span) Assert.True(p >= lo && p < hi, "string data is outside the object");
        ObjectMapping m = obj.Mapping;
        Assert.True(lo >= m.SegmentBase && hi <= m.SegmentBase + m.SegmentLength);
    }

    [Theory, OurStore, RealStore]
    public void Disposing_the_last_batch_releases_the_object(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        RecordBatch[] source = [AllTypesBatch(5), AllTypesBatch(6)];
        ObjectId id = ObjectId.NewRandom();
        client.PutRecordBatches(id, source[0].Schema, source);

        RecordBatch[] batches = client.GetRecordBatches(id, TimeSpan.Zero)!;
        // GetRecordBatches already disposed its PlasmaObject: the batches alone hold the reference.
        Assert.Equal(1, client.Info(id)!.RefCount);
        batches[1].Dispose();
        Assert.Equal(1, client.Info(id)!.RefCount);
        AssertSameBatch(source[0], batches[0]); // still mapped and readable
        batches[0].Dispose();
        Assert.Equal(0, client.Info(id)!.RefCount);
        Assert.Equal(DeleteResult.Deleted, client.Delete(id));
    }

    [Theory, OurStore, RealStore]
    public void Disposing_the_PlasmaObject_first_keeps_batches_alive_until_they_are_disposed(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        using RecordBatch source = AllTypesBatch(8);
        ObjectId id = ObjectId.NewRandom();
        client.PutRecordBatch(id, source);
        PlasmaObject obj = client.Get(id, TimeSpan.Zero)!;
        RecordBatch[] batches = obj.ReadRecordBatches();
        obj.Dispose();
        Assert.Equal(1, client.Info(id)!.RefCount);
        AssertSameBatch(source, batches[0]);
        batches[0].Dispose();
        Assert.Equal(0, client.Info(id)!.RefCount);
    }

    [Theory]
    [OurStore(CompressionCodecType.Lz4Frame), RealStore(CompressionCodecType.Lz4Frame)]
    [OurStore(CompressionCodecType.Zstd), RealStore(CompressionCodecType.Zstd)]
    public void Compressed_streams_are_readable(StoreKind store, CompressionCodecType codec)
    {
        using PlasmaClient client = _stores.Connect(store);
        using RecordBatch source = AllTypesBatch(200);
        ObjectId id = ObjectId.NewRandom();
        var options = new PlasmaArrowOptions
        {
            IpcOptions = new IpcOptions
            {
                CompressionCodec = codec,
                CompressionCodecFactory = new Apache.Arrow.Compression.CompressionCodecFactory(),
            },
        };
        client.PutRecordBatch(id, source, options);
        RecordBatch[] back = client.GetRecordBatches(id, TimeSpan.Zero)!;
        AssertSameBatch(source, back[0]);
        foreach (var b in back) b.Dispose();
        Assert.Equal(0, client.Info(id)!.RefCount);
    }

    [Theory, OurStore, RealStore]
    public void Get_of_a_missing_object_returns_null(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        Assert.Null(client.GetRecordBatches(ObjectId.NewRandom(), TimeSpan.Zero));
    }

    [Theory, OurStore, RealStore]
    public void Zero_batches_make_a_readable_empty_stream(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        using RecordBatch schemaSource = AllTypesBatch(1);
        ObjectId id = ObjectId.NewRandom();
        client.PutRecordBatches(id, schemaSource.Schema, []);
        Assert.Empty(client.GetRecordBatches(id, TimeSpan.Zero)!);
        Assert.Equal(0, client.Info(id)!.RefCount);
    }
}
