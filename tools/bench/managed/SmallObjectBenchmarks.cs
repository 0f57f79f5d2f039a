using BenchmarkDotNet.Attributes;

namespace PlasmaSharp.Bench;

/// <summary>1 KiB objects through the managed API, one operation per invocation:
/// Put (CreateAndSeal, 1 round trip), Create+Seal+Release (2 round trips + 1 one-way message),
/// Get+Release of a sealed object not held (1 round trip + 1 one-way), Contains (1 round trip).</summary>
[MemoryDiagnoser]
public class SmallObjectBenchmarks
{
    private const int Size = 1024;
    private readonly byte[] _payload = new byte[Size];
    private readonly List<ObjectId> _created = new(1 << 16);
    private PlasmaClient _client = null!;
    private ObjectId _sealed;

    [GlobalSetup]
    public void Setup()
    {
        _payload.AsSpan().Fill(7);
        _client = BenchStore.Connect();
        _sealed = BenchStore.NewId();
        _client.Put(_sealed, _payload);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _created.Add(_sealed);
        BenchStore.DeleteAll(_client, _created);
        _client.Dispose();
    }

    [Benchmark]
    public void Put()
    {
        ObjectId id = BenchStore.NewId();
        _client.Put(id, _payload);
        _created.Add(id);
    }

    [Benchmark]
    public void CreateSealRelease()
    {
        ObjectId id = BenchStore.NewId();
        using (WritablePlasmaObject created = _client.Create(id, Size))
        {
            _payload.CopyTo(created.Span);
            created.Seal();
        }
        _created.Add(id);
    }

    [Benchmark]
    public long GetRelease()
    {
        using PlasmaObject? got = _client.Get(_sealed, TimeSpan.Zero);
        return got!.DataLength;
    }

    [Benchmark]
    public bool Contains() => _client.Contains(_sealed);
}
