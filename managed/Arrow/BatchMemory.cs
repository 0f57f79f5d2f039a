using System.Buffers;

namespace PlasmaSharp.Arrow;

/// <summary>The data of one object as the memory every record batch read from it aliases. It holds
/// one reference on the object (a lease on its handle) for as long as any of those batches lives:
/// each batch calls <see cref="AddBatch"/> when created and <see cref="ReleaseBatch"/> when disposed,
/// and the last release lets the handle go. After that <see cref="GetSpan"/> throws
/// <see cref="ObjectDisposedException"/> instead of reading unmapped memory.
/// <para>Why not Arrow's C data interface (export + import, which also gives buffers an owner): its
/// importer calls GC.AddMemoryPressure with each buffer's size, so reading a 1 GiB batch made the
/// runtime count 1 GiB of pressure and run full collections; a lease costs a few objects per read,
/// whatever the batch's size.</para></summary>
internal sealed unsafe class BatchMemory : MemoryManager<byte>
{
    private readonly Interop.NativeHandle _object;
    private readonly byte* _pointer;
    private readonly int _length;
    private int _batches;   // live batches + pins; the object is released when it drops to zero
    private int _released;  // 1 once the object was released

    /// <summary>Takes a reference on <paramref name="owner"/> that the batches will share.</summary>
    public BatchMemory(Interop.NativeHandle owner, byte* pointer, int length)
    {
        ObjectDisposedException.ThrowIf(owner.IsDisposeRequested, owner);
        bool added = false;
        owner.DangerousAddRef(ref added);
        _object = owner;
        _pointer = pointer;
        _length = length;
        _batches = 1;  // the reader's own hold, dropped by ReleaseBatch() once reading is done
    }

    public void AddBatch() => Interlocked.Increment(ref _batches);

    public void ReleaseBatch()
    {
        if (Interlocked.Decrement(ref _batches) == 0 && Interlocked.Exchange(ref _released, 1) == 0)
            _object.DangerousRelease();
    }

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) != 0, this);
        return new Span<byte>(_pointer, _length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        if ((uint)elementIndex > (uint)_length) throw new ArgumentOutOfRangeException(nameof(elementIndex));
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) != 0, this);
        AddBatch();  // a pin keeps the object mapped like a batch does
        return new MemoryHandle(_pointer + elementIndex, default, this);
    }

    public override void Unpin() => ReleaseBatch();

    // Nothing to free here: the batches' releases let the object go.
    protected override void Dispose(bool disposing) { }
}
