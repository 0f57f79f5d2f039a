namespace PlasmaSharp;

/// <summary>One object as listed by <see cref="PlasmaClient.List"/>.</summary>
public sealed class ObjectInfo
{
    /// <summary>The object's id.</summary>
    public required ObjectId Id { get; init; }

    /// <summary>8-byte digest (all zero for unsealed objects).</summary>
    public required ReadOnlyMemory<byte> Digest { get; init; }

    /// <summary>Data size in bytes.</summary>
    public required long DataSize { get; init; }

    /// <summary>Metadata size in bytes.</summary>
    public required long MetadataSize { get; init; }

    /// <summary>When the object was created (second resolution).</summary>
    public required DateTimeOffset CreateTime { get; init; }

    /// <summary>Seconds between create and seal; null while unsealed.</summary>
    public required TimeSpan? ConstructDuration { get; init; }

    /// <summary>Number of client connections holding the object.</summary>
    public required int RefCount { get; init; }

    /// <summary>True once sealed.</summary>
    public required bool IsSealed { get; init; }

    /// <summary>True when the store spilled the object to its external store (<c>-e</c>): it is not in
    /// memory, and a Get reads it back first. Only this project's store says so (Arrow 11's lists
    /// spilled objects like any other).</summary>
    public bool IsSpilled { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Id} data={DataSize} metadata={MetadataSize} refs={RefCount} {(IsSealed ? "sealed" : "unsealed")}{(IsSpilled ? " spilled" : "")}";
}

/// <summary>A notification from a <see cref="PlasmaSubscription"/>: an object was sealed, or deleted/evicted.</summary>
public sealed class PlasmaNotification
{
    /// <summary>The object's id.</summary>
    public required ObjectId Id { get; init; }

    /// <summary>True when the object was deleted or evicted; false when it was sealed.</summary>
    public required bool IsDeletion { get; init; }

    /// <summary>Data size in bytes (0 for deletions).</summary>
    public required long DataSize { get; init; }

    /// <summary>Metadata size in bytes (0 for deletions).</summary>
    public required long MetadataSize { get; init; }

    /// <summary>8-byte digest (zero for deletions).</summary>
    public required ReadOnlyMemory<byte> Digest { get; init; }

    /// <inheritdoc />
    public override string ToString() => IsDeletion ? $"deleted {Id}" : $"sealed {Id} ({DataSize}+{MetadataSize} bytes)";
}

/// <summary>Outcome of deleting one object. The values are the C ABI's per-object codes of
/// ps_client_delete (from the header), so the native results are used as they come.</summary>
public enum DeleteResult
{
    /// <summary>The object was removed.</summary>
    Deleted = Interop.NativeConstants.PS_OK,
    /// <summary>There was no such object.</summary>
    NotFound = Interop.NativeConstants.PS_OBJECT_NOT_FOUND,
    /// <summary>Unsealed: the store removes it once it is sealed and released.</summary>
    DeferredNotSealed = Interop.NativeConstants.PS_OBJECT_NOT_SEALED,
    /// <summary>Someone holds it: the store removes it once the last reference is released.</summary>
    DeferredInUse = Interop.NativeConstants.PS_OBJECT_IN_USE,
}

/// <summary>One object of a <see cref="PlasmaClient.PutBatch"/>.</summary>
public readonly struct PlasmaPutItem
{
    /// <summary>Describes one object to put.</summary>
    /// <param name="id">The new object's id.</param>
    /// <param name="data">Its data.</param>
    /// <param name="metadata">Its metadata (may be empty).</param>
    public PlasmaPutItem(ObjectId id, ReadOnlyMemory<byte> data, ReadOnlyMemory<byte> metadata = default)
    {
        Id = id;
        Data = data;
        Metadata = metadata;
    }

    /// <summary>The new object's id.</summary>
    public ObjectId Id { get; }

    /// <summary>Its data.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Its metadata.</summary>
    public ReadOnlyMemory<byte> Metadata { get; }
}
