namespace PlasmaSharp.Arrow;

/// <summary>The one shape of the write-only, forward-only streams Arrow's IPC writer is given here
/// (the counting pass and the write into the object): every write goes through
/// <see cref="Write(ReadOnlySpan{byte})"/>, the position is the number of bytes written, and
/// reading or seeking is not supported.</summary>
internal abstract class WriteOnlyStream : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Position;

    public override long Position
    {
        get => Written;
        set => throw new NotSupportedException();
    }

    /// <summary>Bytes written so far.</summary>
    protected abstract long Written { get; }

    public abstract override void Write(ReadOnlySpan<byte> buffer);

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write([value]);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
