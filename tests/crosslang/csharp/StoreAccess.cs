using Apache.Arrow;
using PlasmaSharp;
using PlasmaSharp.Arrow;

namespace PlasmaSharp.CrossLang;

/// <summary>Every call this program makes on the managed PlasmaSharp API, in one place.</summary>
internal sealed class StoreAccess : IDisposable
{
    /// <summary>An object that should already exist: a missing one fails fast.</summary>
    public static readonly TimeSpan GetTimeout = TimeSpan.FromSeconds(10);
    /// <summary>Waiting for a writer that is still creating.</summary>
    public static readonly TimeSpan StreamGetTimeout = TimeSpan.FromSeconds(60);
    private const int Chunk = 1 << 20;

    private readonly PlasmaClient _client;

    private StoreAccess(PlasmaClient client) => _client = client;

    public static StoreAccess Connect(string socket) => new(PlasmaClient.Connect(socket));

    public static ObjectId ParseId(string hex)
    {
        if (hex.Length != 40 || hex != hex.ToLowerInvariant()) throw new CheckFailed($"id must be 40 lowercase hex chars: '{hex}'");
        return ObjectId.Parse(hex);
    }

    public void Dispose() => _client.Dispose();

    /// <summary>Create, fill in place, Seal, release: readers only ever see the sealed object.</summary>
    public void PutPattern(ObjectId id, long size, int seed, byte[] metadata)
    {
        using WritablePlasmaObject obj = _client.Create(id, size, metadata);
        if (obj.DataLength != size) throw new CheckFailed($"{id}: created {obj.DataLength} bytes, asked {size}");
        long offset = 0;
        foreach (Memory<byte> chunk in obj.GetDataChunks(Chunk))
        {
            Formats.FillPattern(chunk.Span, offset, seed);
            offset += chunk.Length;
        }
        if (offset != size) throw new CheckFailed($"{id}: chunks cover {offset} bytes of {size}");
        obj.Seal();
    }

    public void Put(ObjectId id, byte[] data, byte[] metadata) => _client.Put(id, data, metadata);

    /// <summary>Objects k = start .. start+count-1 of the "many" exchange in one CreateAndSealBatch.</summary>
    public void PutManyBatch(ObjectId[] ids, int start, int count)
    {
        var items = new List<PlasmaPutItem>();
        for (int k = start; k < start + count; k++)
        {
            ids[k] = ObjectId.NewRandom();
            byte[] data = new byte[Formats.ManySize(k)];
            Formats.FillPattern(data, 0, k & 0xff);
            items.Add(new PlasmaPutItem(ids[k], data, Formats.ManyMetadata(k)));
        }
        if (items.Count > 0) _client.PutBatch(items);
    }

    private PlasmaObject GetOrFail(ObjectId id, TimeSpan timeout) =>
        _client.Get(id, timeout) ?? throw new CheckFailed($"object {id} not available within {timeout.TotalSeconds} s");

    public void CheckPattern(ObjectId id, long size, int seed, byte[] metadata, TimeSpan timeout)
    {
        using PlasmaObject obj = GetOrFail(id, timeout);
        CheckObject(obj, id, size, seed, metadata);
    }

    private static void CheckObject(PlasmaObject obj, ObjectId id, long size, int seed, byte[] metadata)
    {
        if (obj.Id != id) throw new CheckFailed($"asked {id}, got {obj.Id}");
        if (obj.DataLength != size) throw new CheckFailed($"{id}: data size {obj.DataLength}, expected {size}");
        if (!obj.Metadata.Span.SequenceEqual(metadata))
            throw new CheckFailed($"{id}: metadata {Convert.ToHexStringLower(obj.Metadata.Span)}, expected {Convert.ToHexStringLower(metadata)}");
        long offset = 0;
        foreach (ReadOnlyMemory<byte> chunk in obj.GetDataChunks(Chunk))
        {
            long bad = Formats.FindPatternMismatch(chunk.Span, offset, seed);
            if (bad >= 0)
                throw new CheckFailed($"{id}: byte {bad} is {chunk.Span[(int)(bad - offset)]}, expected {Formats.PatternByte(bad, seed)}");
            offset += chunk.Length;
        }
        if (offset != size) throw new CheckFailed($"{id}: chunks cover {offset} bytes of {size}");
    }

    public void CheckMany(ObjectId[] ids)
    {
        // One Get for all ids: the batch read path.
        PlasmaObject?[] objects = _client.Get(ids, GetTimeout);
        try
        {
            for (int k = 0; k < ids.Length; k++)
            {
                PlasmaObject obj = objects[k] ?? throw new CheckFailed($"object {k} ({ids[k]}) not available");
                CheckObject(obj, ids[k], Formats.ManySize(k), k & 0xff, Formats.ManyMetadata(k));
            }
        }
        finally
        {
            foreach (PlasmaObject? obj in objects) obj?.Dispose();
        }
    }

    public void Delete(ObjectId id)
    {
        DeleteResult result = _client.Delete(id);
        if (result != DeleteResult.Deleted) throw new CheckFailed($"delete of {id} returned {result}");
    }

    /// <summary>The managed Arrow write path; its default metadata must be Ray's "RAW" (checked by readers).</summary>
    public void PutRecordBatch(ObjectId id, RecordBatch batch) => _client.PutRecordBatch(id, batch);

    public (long Size, ulong Digest) SizeAndDigest(ObjectId id)
    {
        (long size, ulong digest, _) = SizeDigestMetadata(id);
        return (size, digest);
    }

    public (long Size, ulong Digest, byte[] Metadata) SizeDigestMetadata(ObjectId id)
    {
        using PlasmaObject obj = GetOrFail(id, GetTimeout);
        ulong hash = 0xcbf29ce484222325UL;
        foreach (ReadOnlyMemory<byte> chunk in obj.GetDataChunks(Chunk)) hash = Formats.Fnv1a64(chunk.Span, hash);
        return (obj.DataLength, hash, obj.Metadata.ToArray());
    }

    /// <summary>Decodes the object through the managed Arrow read path and checks every value.</summary>
    public void CheckRecordBatches(ObjectId id)
    {
        RecordBatch[] batches = _client.GetRecordBatches(id, GetTimeout)
            ?? throw new CheckFailed($"object {id} not available within {GetTimeout.TotalSeconds} s");
        try
        {
            ReferenceBatch.Check(batches, id.ToString());
        }
        finally
        {
            foreach (RecordBatch batch in batches) batch.Dispose();
        }
    }
}
