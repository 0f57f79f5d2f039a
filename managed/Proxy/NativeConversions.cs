using PlasmaSharp.Interop;

namespace PlasmaSharp;

/// <summary>Native structs to public types (for the proxy's return values).</summary>
internal static unsafe class NativeConversions
{
    public static ObjectInfo ToObjectInfo(ps_object_info info) => new()
    {
        Id = ObjectId.FromBytes(new ReadOnlySpan<byte>(info.object_id, ObjectId.Size)),
        Digest = new ReadOnlySpan<byte>(info.digest, NativeConstants.PS_DIGEST_SIZE).ToArray(),
        DataSize = info.data_size,
        MetadataSize = info.metadata_size,
        CreateTime = DateTimeOffset.FromUnixTimeSeconds(info.create_time),
        ConstructDuration = info.construct_duration < 0 ? null : TimeSpan.FromSeconds(info.construct_duration),
        RefCount = info.ref_count,
        IsSealed = info.is_sealed != 0,
        IsSpilled = info.is_spilled != 0,
    };

    public static PlasmaStoreStats ToStoreStats(ps_store_stats s)
        => new(s.capacity, s.bytes_used, Counted(s.evictions), Counted(s.objects), Counted(s.sealed_objects),
               Counted(s.objects_in_use), Counted(s.spilled_objects), Counted(s.spilled_bytes), Counted(s.restores));

    /// <summary>The C ABI's -1 (not reported, not counted) as null.</summary>
    private static long? Counted(long value) => value < 0 ? null : value;

    public static PlasmaNotification ToNotification(ps_object_info info) => new()
    {
        Id = ObjectId.FromBytes(new ReadOnlySpan<byte>(info.object_id, ObjectId.Size)),
        IsDeletion = info.is_deletion != 0,
        DataSize = info.data_size,
        MetadataSize = info.metadata_size,
        Digest = new ReadOnlySpan<byte>(info.digest, NativeConstants.PS_DIGEST_SIZE).ToArray(),
    };
}
