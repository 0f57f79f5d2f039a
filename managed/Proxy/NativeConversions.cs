using PlasmaSharp.Interop;

namespace PlasmaSharp;

/// <summary>Native structs to public types.</summary>
internal static unsafe class NativeConversions
{
    public static ObjectInfo ToObjectInfo(ps_object_info info)
    {
        {
            byte* id = info.object_id;
            byte* digest = info.digest;
            return new ObjectInfo
            {
                Id = ObjectId.FromBytes(new ReadOnlySpan<byte>(id, ObjectId.Size)),
                Digest = new ReadOnlySpan<byte>(digest, NativeConstants.PS_DIGEST_SIZE).ToArray(),
                DataSize = info.data_size,
                MetadataSize = info.metadata_size,
                CreateTime = DateTimeOffset.FromUnixTimeSeconds(info.create_time),
                ConstructDuration = info.construct_duration < 0 ? null : TimeSpan.FromSeconds(info.construct_duration),
                RefCount = info.ref_count,
                IsSealed = info.is_sealed != 0,
            };
        }
    }

    public static PlasmaNotification ToNotification(ps_object_info info)
    {
        {
            byte* id = info.object_id;
            byte* digest = info.digest;
            return new PlasmaNotification
            {
                Id = ObjectId.FromBytes(new ReadOnlySpan<byte>(id, ObjectId.Size)),
                IsDeletion = info.is_deletion != 0,
                DataSize = info.data_size,
                MetadataSize = info.metadata_size,
                Digest = new ReadOnlySpan<byte>(digest, NativeConstants.PS_DIGEST_SIZE).ToArray(),
            };
        }
    }
}
