using Apache.Arrow;
using BenchmarkDotNet.Attributes;
using PlasmaSharp.Arrow;

namespace PlasmaSharp.Bench;

/// <summary>Zero-copy reads: Get+Release of a sealed object, and GetRecordBatch (IPC decode onto
/// shared memory) + Dispose, for 1 KiB, 100 MiB and 1 GiB objects. The 1 GiB / 1 KiB time ratio shows
/// whether reading is O(1) in the object size.</summary>
[MemoryDiagnoser]
public class ZeroCopyGetBenchmarks
{
    private PlasmaClient _client = null!;
    private ObjectId _object;
    private ObjectId _batchObject;

    [Params(1L << 10, 100L << 20, 1L << 30)]
    public long Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _client = BenchStore.Connect();
        _object = BenchStore.NewId();
        using (WritablePlasmaObject created = _client.Create(_object, Size))
        {
            created.Span.Fill(9);
            created.Seal();
        }
        _batchObject = BenchStore.NewId();
        using RecordBatch batch = BatchFactory.Int64Batch(Size);
        _client.PutRecordBatch(_batchObject, batch);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Delete([_object, _batchObject]);
        _client.Dispose();
    }

    [Benchmark]
    public long GetRelease()
    {
        using PlasmaObject? got = _client.Get(_object, TimeSpan.Zero);
        return got!.DataLength;
    }

    [Benchmark]
    public int GetRecordBatch()
    {
        using RecordBatch? batch = _client.GetRecordBatch(_batchObject, TimeSpan.Zero);
        return batch!.Length;
    }
}
