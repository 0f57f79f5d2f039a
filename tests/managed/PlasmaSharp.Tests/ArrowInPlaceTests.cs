using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using PlasmaSharp.Arrow;

namespace PlasmaSharp.Tests;

/// <summary>PutRecordBatch's single write pass (issue 18): the object is exactly the stream Arrow's
/// own writer produces, and the digest hashed while writing equals the one a plain Seal computes
/// over the same bytes - small objects (hashed at Seal), and large ones (hashed on another thread
/// while written), chunked digests with and without a tail. GetRecordBatch's batches own the object
/// without Arrow's C data interface.</summary>
public class ArrowInPlaceTests : IClassFixture<StoreFixture>
{
    private readonly StoreFixture _stores;

    public ArrowInPlaceTests(StoreFixture stores) => _stores = stores;

    // Batches of several shapes: every common type (nested, dictionary, nulls), a batch of zero rows,
    // columns of nulls only (bitmap, empty value buffers), and large batches whose streams pass the
    // background-hashing threshold, one of them with a digest tail (a length not a multiple of 512).
    private static RecordBatch Build(string shape) => shape switch
    {
        "all-types" => ArrowTests.AllTypesBatch(300),
        "zero-rows" => ArrowTests.AllTypesBatch(0),
        "all-null" => new RecordBatch.Builder()
            .Append("nothing", true, c => c.Int64(b => { for (int i = 0; i < 1000; i++) b.AppendNull(); }))
            .Append("empty", true, c => c.String(b => { for (int i = 0; i < 10; i++) b.AppendNull(); }))
            .Build(),
        "large-4MiB" => Int64Column((4 << 20) / 8),
        "large-odd" => new RecordBatch.Builder()
            .Append("bytes", false, c => c.Binary(b => { for (int i = 0; i < 1000; i++) b.Append(new byte[9_001 + i]); }))
            .Build(),
        // Large buffers (copied and hashed by the native digest) between small ones (hashed behind the
        // writer), starting inside a digest chunk and covering several whole ones.
        "large-mixed" => new RecordBatch.Builder()
            .Append("small", false, c => c.Int32(b => { for (int i = 0; i < 1001; i++) b.Append(i); }))
            .Append("big1", false, c => c.Int64(b => { for (int i = 0; i < (5 << 20) / 8 + 3; i++) b.Append(i * 7L); }))
            .Append("text", false, c => c.String(b => { for (int i = 0; i < 777; i++) b.Append("v" + i); }))
            .Append("big2", false, c => c.Double(b => { for (int i = 0; i < (6 << 20) / 8; i++) b.Append(i * 0.5); }))
            .Build(),
        _ => throw new ArgumentOutOfRangeException(nameof(shape)),
    };

    private static RecordBatch Int64Column(int length)
    {
        var values = new byte[length * sizeof(long)];
        new Random(18).NextBytes(values);
        var array = new Int64Array(new ArrayData(Int64Type.Default, length, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(values)]));
        return new RecordBatch(new Schema.Builder().Field(f => f.Name("v").DataType(Int64Type.Default).Nullable(false)).Build(), [array], length);
    }

    [Theory]
    [OurStore("all-types"), RealStore("all-types")]
    [OurStore("zero-rows"), RealStore("zero-rows")]
    [OurStore("all-null"), RealStore("all-null")]
    [OurStore("large-4MiB"), RealStore("large-4MiB")]
    [OurStore("large-odd"), RealStore("large-odd")]
    [OurStore("large-mixed"), RealStore("large-mixed")]
    public void The_object_is_exactly_Arrows_stream_and_its_digest_that_of_a_plain_seal(StoreKind store, string shape)
    {
        using PlasmaClient client = _stores.Connect(store);
        using RecordBatch batch = Build(shape);
        var expected = new MemoryStream();
        using (var writer = new ArrowStreamWriter(expected, batch.Schema, leaveOpen: true))
        {
            writer.WriteStart();
            writer.WriteRecordBatch(batch);
            writer.WriteEnd();
        }

        ObjectId id = ObjectId.NewRandom();
        long size = client.PutRecordBatch(id, batch);
        Assert.Equal(expected.Length, size);
        using (PlasmaObject obj = client.Get(id, TimeSpan.Zero)!)
            Assert.True(obj.Data.Span.SequenceEqual(expected.ToArray()), "the object differs from Arrow's own stream");

        ObjectId plain = ObjectId.NewRandom();
        using (WritablePlasmaObject created = client.Create(plain, size, "RAW"u8))
        {
            expected.ToArray().CopyTo(created.Span);
            created.Seal();
        }
        Assert.Equal(client.Hash(plain), client.Hash(id));
        client.Delete([id, plain]);
    }

    [Fact]
    public void A_stream_that_stops_short_of_the_object_cannot_seal_and_the_object_is_aborted()
    {
        using PlasmaClient client = _stores.Connect(StoreKind.Ours);
        foreach (long length in new[] { 1000L, DigestingObjectStream.BackgroundHashingThreshold + 4096 })
        {
            ObjectId id = ObjectId.NewRandom();
            using (WritablePlasmaObject target = client.Create(id, length))
            using (var stream = new DigestingObjectStream(target))
            {
                stream.Write(new byte[length - 1]);
                Assert.Throws<InvalidOperationException>(stream.Seal);
                Assert.Throws<InvalidOperationException>(() => stream.Write(new byte[2]));  // past the end
            }
            Assert.Null(client.Info(id));  // aborted: the store forgot it
        }
    }

    [Theory, OurStore, RealStore]
    public void A_column_read_after_its_last_batch_is_disposed_throws_instead_of_reading_unmapped_memory(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        using RecordBatch source = ArrowTests.AllTypesBatch(5);
        ObjectId id = ObjectId.NewRandom();
        client.PutRecordBatch(id, source);
        RecordBatch batch = client.GetRecordBatch(id, TimeSpan.Zero)!;
        var ints = (Int32Array)batch.Column("i32");
        Assert.Equal(4, ints.GetValue(4));
        batch.Dispose();
        batch.Dispose();  // twice: still one release
        Assert.Equal(0, client.Info(id)!.RefCount);
        Assert.Throws<ObjectDisposedException>(() => ints.GetValue(4));
    }
}
