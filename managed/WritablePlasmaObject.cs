using PlasmaSharp.Interop;

namespace PlasmaSharp;

/// <summary>An object being created (from <see cref="PlasmaClient.Create"/>): write its bytes in place
/// in shared memory, then <see cref="Seal"/> to publish it, or <see cref="Abort"/>. Disposing an
/// object that was not sealed aborts it. Not thread-safe: one writer at a time.
/// <para>After Dispose (or <see cref="Abort"/>) every member except <see cref="IsDisposed"/>, <see cref="Dispose"/>
/// and ToString throws <see cref="ObjectDisposedException"/>, and so does <c>.Span</c> of a
/// <see cref="Data"/> Memory taken earlier. A <see cref="Span{T}"/> taken <em>before</em> Dispose cannot be
/// checked: do not keep one past Dispose.</para></summary>
public sealed class WritablePlasmaObject : IDisposable
{
    private readonly ObjectMapping _mapping;
    private bool _sealed;

    internal WritablePlasmaObject(ObjectMapping mapping) => _mapping = mapping;

    internal ObjectMapping Mapping => _mapping;

    /// <summary>The object's id.</summary>
    public ObjectId Id => Checked.Id;

    /// <summary>The writable data area, aliasing shared memory. Objects of 2 GiB or more throw
    /// <see cref="InvalidOperationException"/> here: use <see cref="GetDataChunks"/> or <see cref="OpenDataStream"/>.</summary>
    public Memory<byte> Data => Checked.DataMemory;

    /// <summary>The writable data area as a span (same rules as <see cref="Data"/>).</summary>
    public Span<byte> Span => Checked.DataMemory.Span;

    /// <summary>The metadata given at creation (already in shared memory).</summary>
    public ReadOnlyMemory<byte> Metadata => Checked.MetadataMemory;

    /// <summary>Length of the data in bytes (may exceed <see cref="int.MaxValue"/>).</summary>
    public long DataLength => Checked.DataLength;

    /// <summary>True after <see cref="Seal"/> succeeded.</summary>
    public bool IsSealed
    {
        get
        {
            _mapping.ThrowIfDisposed(this);
            return _sealed;
        }
    }

    /// <summary>True once the object has been disposed or aborted.</summary>
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

    /// <summary>The data as consecutive writable views of at most <paramref name="maxChunkLength"/> bytes.</summary>
    /// <param name="maxChunkLength">Largest chunk, in bytes (default: 1 GiB).</param>
    public IEnumerable<Memory<byte>> GetDataChunks(int maxChunkLength = 1 << 30)
    {
        return Checked.DataChunks(maxChunkLength);
    }

    /// <summary>A writable, seekable stream over the whole data area (any length). Dispose it before sealing.</summary>
    public Stream OpenDataStream()
    {
        _mapping.ThrowIfDisposed(this);
        return _mapping.OpenStream(FileAccess.ReadWrite);
    }

    /// <summary>The address of the first data byte; valid until this object is disposed.</summary>
    public nint DangerousGetDataPointer()
    {
        _mapping.ThrowIfDisposed(this);
        return _mapping.DataAddress;
    }

    /// <summary>Computes the digest and seals the object: from now on other clients can Get it and
    /// it must not be written any more. This object still holds a reference until disposed.</summary>
    public void Seal()
    {
        _mapping.ThrowIfDisposed(this);
        NativeProxy.ps_object_seal(_mapping.Handle, _mapping.Id);
        _sealed = true;
    }

    /// <summary>Seals with a digest the caller fed with exactly the data while writing it (the Arrow
    /// writer's <see cref="Arrow.DigestingObjectStream"/>, a cluster pull): no pass over the bytes here.</summary>
    internal void SealWith(StreamingDigest streamed)
    {
        _mapping.ThrowIfDisposed(this);
        NativeProxy.ps_object_seal_digested(_mapping.Handle, _mapping.Id, streamed.Handle);
        _sealed = true;
    }

    /// <summary>Copies <paramref name="source"/> (exactly <see cref="DataLength"/> bytes) into the object and
    /// seals it, hashing in the same pass (the native side uses several threads for large objects):
    /// one pass over the bytes fewer than writing through <see cref="Span"/> and calling <see cref="Seal"/>.</summary>
    /// <param name="source">The whole data.</param>
    /// <exception cref="ArgumentException">The length differs from <see cref="DataLength"/>.</exception>
    public void WriteAndSeal(ReadOnlySpan<byte> source)
    {
        _mapping.ThrowIfDisposed(this);
        if (source.Length != DataLength)
            throw new ArgumentException($"The object has {DataLength} data bytes; got {source.Length}.", nameof(source));
        NativeProxy.ps_object_write_and_seal(_mapping.Handle, _mapping.Id, source);
        _sealed = true;
    }

    /// <summary>Discards the unsealed object and releases it. Throws <see cref="ObjectInUseException"/>
    /// while another local reference to it exists (e.g. a Get of the same id by this client).</summary>
    public void Abort()
    {
        _mapping.ThrowIfDisposed(this);
        if (_sealed) throw new InvalidOperationException($"Object {_mapping.Id} is already sealed; Delete it instead of aborting.");
        NativeProxy.ps_object_abort(_mapping.Handle, _mapping.Id);
        _mapping.Handle.Dispose();
    }

    /// <summary>Releases the object; aborts it first when it was not sealed.</summary>
    public void Dispose() => _mapping.Handle.Dispose();

    /// <inheritdoc />
    public override string ToString() => // works after Dispose too (debuggers, logs)
        $"WritablePlasmaObject {_mapping.Id} ({_mapping.DataLength} bytes, {(_sealed ? "sealed" : "unsealed")}{(IsDisposed ? ", disposed" : "")})";
}
