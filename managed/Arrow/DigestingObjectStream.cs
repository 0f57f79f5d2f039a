namespace PlasmaSharp.Arrow;

/// <summary>A write-only stream straight into an unsealed object's shared memory that also computes
/// the object's digest while the data is written: each finished piece (every
/// <see cref="HandOffBytes"/>) is hashed on a thread-pool thread while the writer copies the next,
/// so <see cref="Seal"/> only waits for the last piece. Writing through
/// <see cref="WritablePlasmaObject.OpenDataStream"/> and then calling Seal costs a second pass over
/// the bytes (the digest) after the copy; this is what lets an Arrow IPC writer put a batch at the
/// speed of one copy.
/// <para>Sequential writes only (Arrow's stream writer never seeks). Dispose without Seal stops the
/// hashing; the caller's <see cref="WritablePlasmaObject"/> then aborts the object.</para></summary>
internal sealed unsafe class DigestingObjectStream : WriteOnlyStream
{
    /// <summary>Bytes written between two hand-offs to the hashing thread: large enough that a
    /// hand-off (an event set) costs nothing next to copying it, small enough that the last piece,
    /// hashed after the writer is done, is short.</summary>
    internal const int HandOffBytes = 1 << 20;

    /// <summary>Objects below this are hashed after writing, on the writer's thread (plain Seal): for
    /// them a hand-off to another thread costs more than the hash.</summary>
    internal const long BackgroundHashingThreshold = 4L << 20;

    private readonly WritablePlasmaObject _target;
    private readonly byte* _data;
    private readonly long _length;
    private long _position;
    private readonly StreamingDigest? _digest;
    // Background hashing: the writer publishes _written and sets _more; the hasher hashes up to it.
    private readonly Task? _hasher;
    private readonly ManualResetEventSlim? _more;
    private long _written;
    private volatile bool _finished;

    public DigestingObjectStream(WritablePlasmaObject target)
    {
        _target = target;
        _data = (byte*)target.DangerousGetDataPointer();
        _length = target.DataLength;
        if (_length < BackgroundHashingThreshold) return;
        _digest = new StreamingDigest(_length);
        _more = new ManualResetEventSlim(false, spinCount: 0);
        _hasher = Task.Run(HashAsWritten);
    }

    protected override long Written => _position;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length > _length - _position)
            throw new InvalidOperationException(
                $"Writing {buffer.Length} bytes at offset {_position} would pass the end of the {_length}-byte object.");
        if (_more == null)
        {
            buffer.CopyTo(new Span<byte>(_data + _position, buffer.Length));
            _position += buffer.Length;
            return;
        }
        // Large buffers are copied in hand-off-sized slices, so the hashing thread follows each
        // slice while it is still in cache instead of re-reading the whole buffer from memory after it.
        while (!buffer.IsEmpty)
        {
            int slice = (int)Math.Min(buffer.Length, HandOffBytes - (_position - Volatile.Read(ref _written)));
            buffer[..slice].CopyTo(new Span<byte>(_data + _position, slice));
            _position += slice;
            buffer = buffer[slice..];
            if (_position - Volatile.Read(ref _written) >= HandOffBytes) HandOff();
        }
    }

    /// <summary>Seals the object once every byte was written: waits for the hashing of the last piece,
    /// then seals with the streamed digest.</summary>
    public void Seal()
    {
        if (_position != _length)
            throw new InvalidOperationException($"Only {_position} of the object's {_length} bytes were written.");
        if (_hasher == null)
        {
            _target.Seal();
            return;
        }
        HandOff();
        StopHashing();
        _target.SealWith(_digest!);
    }

    private void HandOff()
    {
        Volatile.Write(ref _written, _position);
        _more!.Set();
    }

    private void StopHashing()
    {
        _finished = true;
        _more!.Set();
        _hasher!.GetAwaiter().GetResult();  // rethrows a hashing failure
    }

    // The hashing thread: hashes [hashed, written) whenever the writer publishes more, until finished.
    private void HashAsWritten()
    {
        long hashed = 0;
        for (;;)
        {
            _more!.Reset();
            long written = Volatile.Read(ref _written);
            if (written > hashed)
            {
                _digest!.Update(_data + hashed, written - hashed);
                hashed = written;
                continue;
            }
            if (_finished) return;
            _more.Wait();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _hasher != null && !_digest!.IsDisposed)
        {
            if (!_finished)
            {
                try { StopHashing(); }
                catch (PlasmaException) { /* the object is aborted anyway; the writer's error matters */ }
            }
            _digest.Dispose();
            _more!.Dispose();
        }
        base.Dispose(disposing);
    }
}
