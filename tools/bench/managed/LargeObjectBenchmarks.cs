using Apache.Arrow;
using BenchmarkDotNet.Attributes;
using PlasmaSharp.Arrow;

namespace PlasmaSharp.Bench;

/// <summary>Large puts through the managed API, warm pages, digest included; each invocation puts
/// one object and deletes it. Put = PlasmaClient.Put (Create + copy + Seal above the
/// CreateAndSeal threshold); PutRecordBatch = Arrow IPC stream written in place + Seal.
/// GB/s = Size / median time (the driver computes it).</summary>
public class LargeObjectBenchmarks
{
    private PlasmaClient _client = null!;
    private byte[] _source = null!;
    private RecordBatch _batch = null!;

    public static IEnumerable<long> Sizes => BenchStore.Quick
        ? [1L << 20, 100L << 20]
        : [1L << 20, 100L << 20, 1L << 30];

    [ParamsSource(nameof(Sizes))]
    public long Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _client = BenchStore.Connect();
        _source = new byte[Size];
        _source.AsSpan().Fill(0x6b);  // prefault: no page fault is timed
        _batch = BatchFactory.Int64Batch(Size);
        // One untimed put of each kind warms the store's pages for this size.
        Put();
        PutRecordBatch();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _batch.Dispose();
        _client.Dispose();
        _source = null!;
    }

    [Benchmark]
    public void Put()
    {
        ObjectId id = BenchStore.NewId();
        _client.Put(id, _source);
        _client.Delete(id);
    }

    [Benchmark]
    public long PutRecordBatch()
    {
        ObjectId id = BenchStore.NewId();
        long written = _client.PutRecordBatch(id, _batch);
        _client.Delete(id);
        return written;
    }
}
