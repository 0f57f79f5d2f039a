// The one owner of views onto mapped shared memory. The mapping itself belongs to the native
// object reference (ps_object); these views never free it. They borrow the SafeHandle:
//  - GetSpan() after the object was disposed throws ObjectDisposedException (no segfault);
//  - Pin() takes a reference on the handle, so pinned memory (e.g. Arrow buffers exported
//    through the C data interface) keeps the object referenced until it is unpinned.
using System.Buffers;
using System.Runtime.InteropServices;

namespace PlasmaSharp;

internal sealed unsafe class MappedMemoryManager : MemoryManager<byte>
{
    private readonly Interop.NativeHandle _owner;
    private readonly byte* _pointer;
    private readonly int _length;

    public MappedMemoryManager(Interop.NativeHandle owner, byte* pointer, int length)
    {
        _owner = owner;
        _pointer = pointer;
        _length = length;
    }

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_owner.IsDisposeRequested, this);
        return new Span<byte>(_pointer, _length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        if ((uint)elementIndex > (uint)_length) throw new ArgumentOutOfRangeException(nameof(elementIndex));
        ObjectDisposedException.ThrowIf(_owner.IsDisposeRequested, this);
        bool added = false;
        _owner.DangerousAddRef(ref added);
        return new MemoryHandle(_pointer + elementIndex, default, this);
    }

    public override void Unpin() => _owner.DangerousRelease();

    // Nothing to free: ps_object_release unmaps (when the last holder lets go).
    protected override void Dispose(bool disposing) { }
}

/// <summary>A stream over mapped memory of any length (also beyond 2 GiB). Holds a reference on
/// the object until the stream is disposed.</summary>
internal sealed unsafe class MappedMemoryStream : UnmanagedMemoryStream
{
    private SafeHandle? _owner;

    public MappedMemoryStream(Interop.NativeHandle owner, byte* pointer, long length, FileAccess access)
    {
        ObjectDisposedException.ThrowIf(owner.IsDisposeRequested, owner);
        bool added = false;
        owner.DangerousAddRef(ref added);
        _owner = owner;
        Initialize(pointer, length, length, access);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Interlocked.Exchange(ref _owner, null)?.DangerousRelease();
    }
}

/// <summary>Views over one object's data and metadata (shared by the read-only and writable types).</summary>
internal sealed unsafe class ObjectMapping
{
    internal const string TooLargeMessage =
        "The object is {0} bytes: Memory<byte> and Span<byte> stop below 2 GiB. Use GetDataChunks(), OpenDataStream() or DangerousGetDataPointer() for objects this large.";

    private readonly Interop.ObjectHandle _handle;
    private MappedMemoryManager? _dataManager;
    private MappedMemoryManager? _metadataManager;

    public ObjectMapping(Interop.ObjectHandle handle, Interop.ps_object_view view)
    {
        _handle = handle;
        Data = view.data;
        DataLength = view.data_size;
        Metadata = view.metadata;
        MetadataLength = view.metadata_size;
        SegmentBase = view.segment_base;
        SegmentLength = view.segment_size;
        Id = ObjectId.FromBytes(new ReadOnlySpan<byte>(view.object_id, ObjectId.Size));
        IsSealed = view.is_sealed != 0;
    }

    public static ObjectMapping FromHandle(Interop.ObjectHandle handle) => new(handle, NativeProxy.ps_object_get_view(handle));

    public Interop.ObjectHandle Handle => _handle;
    public ObjectId Id { get; }
    public byte* Data { get; }
    /// <summary><see cref="Data"/> as an address, for callers outside unsafe code.</summary>
    public nint DataAddress => (nint)Data;
    public long DataLength { get; }
    public byte* Metadata { get; }
    public long MetadataLength { get; }
    public byte* SegmentBase { get; }
    public long SegmentLength { get; }
    public bool IsSealed { get; }

    public void ThrowIfDisposed(object owner) => ObjectDisposedException.ThrowIf(_handle.IsDisposeRequested, owner);

    public Memory<byte> DataMemory
    {
        get
        {
            if (DataLength > int.MaxValue)
                throw new InvalidOperationException(string.Format(System.Globalization.CultureInfo.InvariantCulture, TooLargeMessage, DataLength));
            _dataManager ??= new MappedMemoryManager(_handle, Data, (int)DataLength);
            return _dataManager.Memory;
        }
    }

    public Memory<byte> MetadataMemory
    {
        get
        {
            // Metadata travels inside Plasma messages too; it is never anywhere near 2 GiB.
            _metadataManager ??= new MappedMemoryManager(_handle, Metadata, checked((int)MetadataLength));
            return _metadataManager.Memory;
        }
    }

    public IEnumerable<Memory<byte>> DataChunks(int maxChunkLength)
    {
        if (maxChunkLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxChunkLength));
        return Iterate();

        IEnumerable<Memory<byte>> Iterate()
        {
            for (long offset = 0; offset < DataLength; offset += maxChunkLength)
            {
                int length = (int)Math.Min(maxChunkLength, DataLength - offset);
                yield return ChunkAt(offset, length);
            }
        }
    }

    private Memory<byte> ChunkAt(long offset, int length) => new MappedMemoryManager(_handle, Data + offset, length).Memory;

    public Stream OpenStream(FileAccess access) => new MappedMemoryStream(_handle, Data, DataLength, access);
}
