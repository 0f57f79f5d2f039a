using Apache.Arrow;

namespace PlasmaSharp.Arrow;

/// <summary>A record batch whose buffers alias a Plasma object's shared memory: it keeps the object
/// referenced (through <see cref="BatchMemory"/>) until it is disposed. Arrays taken from it are
/// valid until then, as with any Arrow batch; read after that they throw
/// <see cref="ObjectDisposedException"/> once no other batch of the object is alive.</summary>
internal sealed class ObjectRecordBatch : RecordBatch
{
    private BatchMemory? _memory;

    public ObjectRecordBatch(RecordBatch aliasing, BatchMemory memory)
        : base(aliasing.Schema, aliasing.Arrays, aliasing.Length)
    {
        memory.AddBatch();
        _memory = memory;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Interlocked.Exchange(ref _memory, null)?.ReleaseBatch();
    }
}
