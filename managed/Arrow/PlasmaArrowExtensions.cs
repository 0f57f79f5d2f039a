using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace PlasmaSharp.Arrow;

/// <summary>Arrow record batches in Plasma objects, as Arrow IPC streams (the format pyarrow, Ray
/// and the Arrow C++/JS libraries read).
/// <para>Put writes the stream straight into the object's shared memory (one copy of the data, hashed
/// for the digest on another thread while it is written; a counting pass first learns the exact
/// size: it runs Arrow's writer against a stream that only adds up lengths, so it costs the
/// flatbuffer metadata, not the data). Get returns <see cref="RecordBatch"/> objects whose
/// buffers alias the shared memory (no copy) and which own a reference to the Plasma object: it stays
/// mapped while any returned batch lives, and disposing the last of them releases it. Batches read
/// from a compressed stream (LZ4 frame / ZSTD) hold decompressed copies, unavoidably.</para>
/// <para>Size limit: Arrow's in-memory IPC reader takes a <see cref="ReadOnlyMemory{T}"/>, so an IPC
/// object must stay below 2 GiB. Put refuses larger streams (ArgumentException, before anything is
/// created: split the batches over several objects) and Get refuses larger objects with
/// <see cref="NotSupportedException"/>: nothing is ever copied silently.</para></summary>
public static class PlasmaArrowExtensions
{
    private static readonly ICompressionCodecFactory CodecFactory = new Apache.Arrow.Compression.CompressionCodecFactory();

    /// <summary>Stores one record batch as a new sealed object holding an Arrow IPC stream.</summary>
    /// <param name="client">The client.</param>
    /// <param name="id">The new object's id.</param>
    /// <param name="batch">The batch.</param>
    /// <param name="options">Metadata (default "RAW") and IPC options.</param>
    /// <returns>The object's data size in bytes.</returns>
    public static long PutRecordBatch(this PlasmaClient client, ObjectId id, RecordBatch batch, PlasmaArrowOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return client.PutRecordBatches(id, batch.Schema, [batch], options);
    }

    /// <summary>Stores several record batches of one schema as one Arrow IPC stream object.</summary>
    /// <param name="client">The client.</param>
    /// <param name="id">The new object's id.</param>
    /// <param name="schema">The schema every batch has.</param>
    /// <param name="batches">The batches (may be empty).</param>
    /// <param name="options">Metadata (default "RAW") and IPC options.</param>
    /// <returns>The object's data size in bytes.</returns>
    /// <exception cref="ArgumentException">A batch has another schema, or the stream would reach 2 GiB.</exception>
    public static long PutRecordBatches(this PlasmaClient client, ObjectId id, Schema schema,
                                        IReadOnlyList<RecordBatch> batches, PlasmaArrowOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(batches);
        options ??= new PlasmaArrowOptions();
        foreach (RecordBatch batch in batches)
            if (!SameSchema(schema, batch.Schema))
                throw new ArgumentException("Every batch in one Plasma object must have the same schema; put batches of other schemas in other objects.", nameof(batches));

        var counter = new CountingStream();
        WriteStream(counter, schema, batches, options.IpcOptions);
        long size = counter.Length;
        if (size > int.MaxValue)
            throw new ArgumentException(
                $"These batches make an Arrow IPC stream of {size} bytes; Arrow's in-memory reader cannot read 2 GiB or more from one object. Split the batches over several objects.",
                nameof(batches));

        using WritablePlasmaObject target = client.Create(id, size, options.Metadata.Span);
        using (var output = new DigestingObjectStream(target))
        {
            WriteStream(output, schema, batches, options.IpcOptions);
            if (output.Position != size)
                throw new InvalidOperationException(
                    $"The Arrow IPC writer produced {output.Position} bytes on the second pass but {size} on the first; the object was aborted.");
            output.Seal();
        }
        return size;
    }

    private static void WriteStream(Stream stream, Schema schema, IReadOnlyList<RecordBatch> batches, IpcOptions? ipcOptions)
    {
        using var writer = new ArrowStreamWriter(stream, schema, leaveOpen: true, ipcOptions);
        writer.WriteStart();
        foreach (RecordBatch batch in batches) writer.WriteRecordBatch(batch);
        writer.WriteEnd();
    }

    private static bool SameSchema(Schema a, Schema b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a.FieldsList.Count != b.FieldsList.Count) return false;
        for (int i = 0; i < a.FieldsList.Count; i++)
        {
            Field fa = a.FieldsList[i], fb = b.FieldsList[i];
            if (fa.Name != fb.Name || fa.DataType.TypeId != fb.DataType.TypeId || fa.IsNullable != fb.IsNullable) return false;
        }
        return true;
    }

    /// <summary>Gets an Arrow IPC stream object and returns its record batches, zero-copy. Null when
    /// the object is not available within <paramref name="timeout"/>. Dispose every batch: the object
    /// is released when the last one is disposed.</summary>
    /// <param name="client">The client.</param>
    /// <param name="id">The object's id.</param>
    /// <param name="timeout">How long to wait for the object to be sealed.</param>
    public static RecordBatch[]? GetRecordBatches(this PlasmaClient client, ObjectId id, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(client);
        using PlasmaObject? obj = client.Get(id, timeout);
        return obj?.ReadRecordBatches();
    }

    /// <summary>Like <see cref="GetRecordBatches"/> for an object holding exactly one batch.</summary>
    /// <param name="client">The client.</param>
    /// <param name="id">The object's id.</param>
    /// <param name="timeout">How long to wait for the object to be sealed.</param>
    /// <exception cref="InvalidDataException">The stream holds no batch or several.</exception>
    public static RecordBatch? GetRecordBatch(this PlasmaClient client, ObjectId id, TimeSpan timeout)
    {
        RecordBatch[]? batches = client.GetRecordBatches(id, timeout);
        if (batches is null) return null;
        if (batches.Length == 1) return batches[0];
        foreach (RecordBatch b in batches) b.Dispose();
        throw new InvalidDataException($"Object {id} holds {batches.Length} record batches; use GetRecordBatches.");
    }

    /// <summary>Reads the Arrow IPC stream in <paramref name="source"/> as record batches whose buffers
    /// alias the object's shared memory. Each batch takes its own reference to the object, so
    /// <paramref name="source"/> may be disposed right away; the object is released when it and every
    /// returned batch are disposed. Compressed streams are decompressed into managed copies.</summary>
    /// <param name="source">A sealed object holding an Arrow IPC stream.</param>
    /// <exception cref="NotSupportedException">The object is 2 GiB or larger.</exception>
    public static unsafe RecordBatch[] ReadRecordBatches(this PlasmaObject source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.DataLength > int.MaxValue)
            throw new NotSupportedException(
                $"Object {source.Id} is {source.DataLength} bytes; Arrow's in-memory IPC reader stops below 2 GiB and PlasmaSharp will not copy silently. Read it with OpenDataStream() and an ArrowStreamReader (copies), or store smaller objects.");
        ObjectMapping mapping = source.Mapping;
        mapping.ThrowIfDisposed(source);
        var memory = new BatchMemory(mapping.Handle, mapping.Data, (int)mapping.DataLength);
        var result = new List<RecordBatch>();
        try
        {
            using var reader = new ArrowStreamReader(memory.Memory, CodecFactory);
            while (reader.ReadNextRecordBatch() is { } aliasing)
                result.Add(new ObjectRecordBatch(aliasing, memory));
            return result.ToArray();
        }
        catch
        {
            foreach (RecordBatch batch in result) batch.Dispose();
            throw;
        }
        finally
        {
            memory.ReleaseBatch();  // the reader's hold: from now on only the batches keep the object
        }
    }
}
