using PlasmaSharp.Interop;

namespace PlasmaSharp;

/// <summary>The object digest (native/client/digest.h holds its one implementation) fed with an
/// object's data front to back while the data is written, so nothing reads the object again to
/// hash it: <see cref="WritablePlasmaObject.SealWith"/> seals with it. <see cref="Value"/> gives the
/// digest before sealing, for a writer that must check it first (a cluster pull compares it with
/// the holder's digest and aborts on a mismatch). One thread at a time.</summary>
internal sealed unsafe class StreamingDigest : IDisposable
{
    /// <summary>A digest of an object of <paramref name="dataSize"/> data bytes.</summary>
    public StreamingDigest(long dataSize) => Handle = NativeProxy.ps_digest_start(dataSize);

    internal DigestHandle Handle { get; }

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => Handle.IsDisposeRequested;

    /// <summary>Hashes the next <paramref name="size"/> bytes of the data (mapped memory: any length).</summary>
    /// <exception cref="ArgumentException">More bytes than the data size in all.</exception>
    public void Update(byte* bytes, long size) => NativeProxy.ps_digest_update(Handle, bytes, size);

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> (where those bytes go in
    /// the object: its data plus the bytes fed so far) and hashes them in the same pass; the digest
    /// chunks the source covers whole are copied and hashed on the native worker pool's threads.</summary>
    /// <exception cref="ArgumentException">More bytes than the data size in all.</exception>
    public void CopyIn(byte* destination, ReadOnlySpan<byte> source) => NativeProxy.ps_digest_copy(Handle, destination, source);

    /// <summary>The 8 digest bytes of all the data followed by <paramref name="metadata"/>, as the
    /// store reports them once the object is sealed. Changes nothing: sealing with this digest
    /// afterwards does not hash the data again.</summary>
    /// <exception cref="ArgumentException">Not all the data was fed yet.</exception>
    public byte[] Value(ReadOnlySpan<byte> metadata) => NativeProxy.ps_digest_value(Handle, metadata);

    public void Dispose() => Handle.Dispose();
}
