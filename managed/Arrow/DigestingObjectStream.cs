namespace PlasmaSharp.Arrow;

/// <summary>A write-only stream straight into an unsealed object's shared memory that also computes
/// the object's digest while the data is written, so <see cref="Seal"/> does not read the object
/// again: a large buffer (a column's values) is copied and hashed in one pass by the native digest,
/// on several threads; smaller writes are copied here and hashed behind the writer, every
/// <see cref="HandOffBytes"/>, on a thread-pool thread started at the first hand-off. Writing
/// through <see cref="WritablePlasmaObject.OpenDataStream"/> and then calling Seal costs a second
/// pass over the bytes (the digest) after the copy; this is what lets an Arrow IPC writer put a
/// batch at the speed of <see cref="PlasmaClient.Put(ObjectId, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>.
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

    /// <summary>Buffers from this size are copied and hashed by the native digest on several threads
    /// (it works on the digest's 8 chunks, each 1/8 of the object, in parallel).</summary>
    internal const int ParallelCopyBytes = 4 << 20;

    private readonly WritablePlasmaObject _target;
    private readonly byte* _data;
    private readonly long _length;
    private long _position;
    private readonly StreamingDigest? _digest;   // null: a small object, hashed by a plain Seal
    // Background hashing: the writer publishes _written and sets _more; the hasher feeds the digest
    // up to it and publishes _hashed. Only one thread feeds the digest at a time: the hasher, or the
    // writer once the hasher has caught up (a large buffer, Seal) or before it exists.
    private Task? _hasher;
    private ManualResetEventSlim? _more;
    private long _written;
    private long _hashed;
    private volatile bool _finished;

    public DigestingObjectStream(WritablePlasmaObject target)
    {
        _target = target;
        _data = (byte*)target.DangerousGetDataPointer();
        _length = target.DataLength;
        if (_length >= BackgroundHashingThreshold) _digest = new StreamingDigest(_length);
    }

    protected override long Written => _position;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length > _length - _position)
            throw new InvalidOperationException(
                $"Writing {buffer.Length} bytes at offset {_position} would pass the end of the {_length}-byte object.");
        if (_digest == null)
        {
            buffer.CopyTo(new Span<byte>(_data + _position, buffer.Length));
            _position += buffer.Length;
            return;
        }
        if (buffer.Length >= ParallelCopyBytes)
        {
            // One thread copying while another hashes behind it is bound by the copying thread;
            // the native digest copies and hashes each chunk of the buffer on its own thread.
            CatchUp();
            _digest.CopyIn(_data + _position, buffer);
            _position += buffer.Length;
            Volatile.Write(ref _hashed, _position);   // first: the hasher must never see _written ahead of it
            Volatile.Write(ref _written, _position);
            return;
        }
        // Copied in hand-off-sized slices, so the hashing thread follows each slice while it is
        // still in cache instead of re-reading the whole buffer from memory after it.
        while (!buffer.IsEmpty)
        {
            int slice = (int)Math.Min(buffer.Length, HandOffBytes - (_position - Volatile.Read(ref _written)));
            buffer[..slice].CopyTo(new Span<byte>(_data + _position, slice));
            _position += slice;
            buffer = buffer[slice..];
            if (_position - Volatile.Read(ref _written) >= HandOffBytes) HandOff();
        }
    }

    /// <summary>Seals the object once every byte was written: the digest takes the last bytes, then
    /// the object is sealed with it.</summary>
    public void Seal()
    {
        if (_position != _length)
            throw new InvalidOperationException($"Only {_position} of the object's {_length} bytes were written.");
        if (_digest == null)
        {
            _target.Seal();
            return;
        }
        CatchUp();
        if (_hasher != null) StopHashing();
        _target.SealWith(_digest);
    }

    /// <summary>Brings the digest up to every byte written so far, leaving it to this thread: fed here
    /// while there is no hashing thread, else handed off and waited for (at most one hand-off's worth).</summary>
    private void CatchUp()
    {
        if (_hasher == null)
        {
            _digest!.Update(_data + _hashed, _position - _hashed);
            _hashed = _written = _position;
            return;
        }
        HandOff();
        SpinWait.SpinUntil(() => Volatile.Read(ref _hashed) == _position || _hasher.IsCompleted);
        if (_hasher.IsCompleted) _hasher.GetAwaiter().GetResult();  // it failed: its error, not a hang
    }

    private void HandOff()
    {
        if (_hasher == null)
        {
            _more = new ManualResetEventSlim(false, spinCount: 0);
            _hasher = Task.Run(HashAsWritten);
        }
        Volatile.Write(ref _written, _position);
        _more!.Set();
    }

    private void StopHashing()
    {
        _finished = true;
        _more!.Set();
        _hasher!.GetAwaiter().GetResult();  // rethrows a hashing failure
    }

    // The hashing thread: feeds [_hashed, _written) whenever the writer publishes more, until finished.
    private void HashAsWritten()
    {
        for (;;)
        {
            _more!.Reset();
            long written = Volatile.Read(ref _written);
            long hashed = Volatile.Read(ref _hashed);
            if (written > hashed)
            {
                _digest!.Update(_data + hashed, written - hashed);
                Volatile.Write(ref _hashed, written);
                continue;
            }
            if (_finished) return;
            _more.Wait();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _digest != null && !_digest.IsDisposed)
        {
            if (_hasher != null && !_finished)
            {
                try { StopHashing(); }
                catch (PlasmaException) { /* the object is aborted anyway; the writer's error matters */ }
            }
            _digest.Dispose();
            _more?.Dispose();
        }
        base.Dispose(disposing);
    }
}
