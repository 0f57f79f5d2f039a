namespace PlasmaSharp;

/// <summary>A sealed object obtained with <see cref="PlasmaClient.Get(ObjectId, TimeSpan)"/>: its bytes,
/// read in place in the store's shared memory (no copy). Dispose releases the reference; after
/// that every member except <see cref="IsDisposed"/>, <see cref="Dispose"/> and ToString throws
/// <see cref="ObjectDisposedException"/>, and so does <c>.Span</c> of a <see cref="Data"/> or
/// <see cref="Metadata"/> Memory taken earlier. A <see cref="Span{T}"/> taken <em>before</em> Dispose
/// cannot be checked: do not keep one past Dispose (reading it is undefined once the object is
/// unmapped). A forgotten object is released by the finalizer of its handle once nothing (not even a
/// Memory view) refers to it; <see cref="PlasmaDiagnostics.TrackLeaks"/> reports where it was created.</summary>
public sealed class PlasmaObject : IDisposable
{
    private readonly ObjectMapping _mapping;

    internal PlasmaObject(ObjectMapping mapping) => _mapping = mapping;

    internal ObjectMapping Mapping => _mapping;

    /// <summary>The object's id.</summary>
    public ObjectId Id => Checked.Id;

    /// <summary>The data, read-only, aliasing shared memory. Objects of 2 GiB or more throw
    /// <see cref="InvalidOperationException"/> here: use <see cref="GetDataChunks"/>,
    /// <see cref="OpenDataStream"/> or <see cref="DangerousGetDataPointer"/>.</summary>
    public ReadOnlyMemory<byte> Data => Checked.DataMemory;

    /// <summary>The metadata, read-only, aliasing shared memory.</summary>
    public ReadOnlyMemory<byte> Metadata => Checked.MetadataMemory;

    /// <summary>Length of the data in bytes (may exceed <see cref="int.MaxValue"/>).</summary>
    public long DataLength => Checked.DataLength;

    /// <summary>Length of the metadata in bytes.</summary>
    public long MetadataLength => Checked.MetadataLength;

    /// <summary>True once the object has been released.</summary>
    public bool IsDisposed => _mapping.Handle.IsDisposeRequested;

    /// <summary>The mapping, after checking that this object was not disposed.</summary>
    private ObjectMapping Checked
    {
        get
        {
            _mapping.ThrowIfDisposed(this);
            return _mapping;
        }
    }

    /// <summary>The data as consecutive read-only views of at most <paramref name="maxChunkLength"/>
    /// bytes each: the way to reach every byte of an object larger than 2 GiB without copying.</summary>
    /// <param name="maxChunkLength">Largest chunk, in bytes (default: 1 GiB).</param>
    public IEnumerable<ReadOnlyMemory<byte>> GetDataChunks(int maxChunkLength = 1 << 30)
    {
        // Checked here, not inside an iterator (which would defer the check to the first MoveNext).
        IEnumerable<Memory<byte>> chunks = Checked.DataChunks(maxChunkLength);
        return chunks.Select(static chunk => (ReadOnlyMemory<byte>)chunk);
    }

    /// <summary>A read-only, seekable stream over the whole data (any length, no copy). The stream
    /// holds its own reference: the memory stays mapped until the stream is disposed too.</summary>
    public Stream OpenDataStream()
    {
        _mapping.ThrowIfDisposed(this);
        return _mapping.OpenStream(FileAccess.Read);
    }

    /// <summary>The address of the first data byte in this process. Valid only until this object
    /// is disposed; keep the object reachable (GC.KeepAlive) while you use the pointer.</summary>
    public nint DangerousGetDataPointer()
    {
        _mapping.ThrowIfDisposed(this);
        return _mapping.DataAddress;
    }

    /// <summary>Releases this reference to the object (the store is told once no local reference is left).</summary>
    public void Dispose() => _mapping.Handle.Dispose();

    /// <inheritdoc />
    public override string ToString() => // works after Dispose too (debuggers, logs)
        $"PlasmaObject {_mapping.Id} ({_mapping.DataLength} data bytes, {_mapping.MetadataLength} metadata bytes{(IsDisposed ? ", disposed" : "")})";
}
