using System.Buffers.Binary;
using System.IO.Hashing;

namespace PlasmaSharp.Cluster.Transfer;

/// <summary>The Plasma object digest (as libplasma computes it at Seal; native/client/digest.h has
/// the definition) computed incrementally over data that arrives in order, so a pull checks the
/// bytes while they are still in cache instead of reading the whole object again before Seal.
/// Data below 1 MiB: XXH64 over data then metadata. From 1 MiB: the data is cut into 8 regions of
/// floor(n/64/8)*64 bytes plus a tail, each hashed alone; the digest is XXH64 over the 9
/// little-endian region hashes followed by the metadata. All hashes use seed 0.</summary>
internal sealed class ObjectDigest
{
    private const long ChunkedThreshold = 1 << 20;
    private const int Regions = 8;

    private readonly long _size;
    private readonly byte[] _metadata;
    private readonly long _region;         // bytes per region (chunked form only)
    private readonly XxHash64 _hash = new(0);
    private readonly ulong[] _regionHashes = new ulong[Regions + 1];
    private long _position;
    private int _current;                  // region being hashed

    public ObjectDigest(long dataSize, ReadOnlySpan<byte> metadata)
    {
        _size = dataSize;
        _metadata = metadata.ToArray();
        _region = dataSize >= ChunkedThreshold ? dataSize / 64 / Regions * 64 : 0;
    }

    private bool Chunked => _size >= ChunkedThreshold;

    private long RegionEnd => _current < Regions ? (_current + 1) * _region : _size;

    /// <summary>Adds the next bytes of data (in order; never more than the data size in all).</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (!Chunked)
        {
            _hash.Append(data);
            _position += data.Length;
            return;
        }
        while (!data.IsEmpty)
        {
            int take = (int)Math.Min(data.Length, RegionEnd - _position);
            _hash.Append(data[..take]);
            _position += take;
            data = data[take..];
            if (_position == RegionEnd && _current < Regions) FinishRegion();
        }
    }

    private void FinishRegion()
    {
        _regionHashes[_current++] = _hash.GetCurrentHashAsUInt64();
        _hash.Reset();
    }

    /// <summary>The 8 digest bytes, as the store reports them. Call once, after all the data.</summary>
    public byte[] Finish()
    {
        if (_position != _size) throw new InvalidOperationException($"digest over {_position} of {_size} bytes");
        var digest = new byte[8];
        if (!Chunked)
        {
            _hash.Append(_metadata);
            BinaryPrimitives.WriteUInt64LittleEndian(digest, _hash.GetCurrentHashAsUInt64());
            return digest;
        }
        while (_current <= Regions) FinishRegion(); // the tail (possibly empty), and any empty region
        var outer = new XxHash64(0);
        Span<byte> le = stackalloc byte[8];
        foreach (ulong h in _regionHashes)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(le, h);
            outer.Append(le);
        }
        outer.Append(_metadata);
        BinaryPrimitives.WriteUInt64LittleEndian(digest, outer.GetCurrentHashAsUInt64());
        return digest;
    }
}
