namespace PlasmaSharp.Arrow;

/// <summary>A write-only stream that only counts bytes: the first pass of writing an Arrow IPC
/// stream, to learn its exact size before creating the Plasma object.</summary>
internal sealed class CountingStream : WriteOnlyStream
{
    private long _length;

    protected override long Written => _length;

    public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
}
