// Mirrors of the types declared in native/include/plasmasharp.h. Names are the C names on
// purpose: this layer is a transcription of the header, checked against it by the drift test
// (tests/managed/PlasmaSharp.Tests/HeaderDriftTests.cs).
using System.Runtime.InteropServices;

namespace PlasmaSharp.Interop;

/// <summary>Opaque <c>ps_error</c>: code + message, freed with ps_error_free.</summary>
internal struct ps_error { }

/// <summary>Opaque <c>ps_client</c>: one connection to a store.</summary>
internal struct ps_client { }

/// <summary>Opaque <c>ps_object</c>: one local reference to one object.</summary>
internal struct ps_object { }

/// <summary>Opaque <c>ps_subscription</c>: the client's notification socket.</summary>
internal struct ps_subscription { }

/// <summary>Opaque <c>ps_object_list</c>: a snapshot from ps_client_list.</summary>
internal struct ps_object_list { }

/// <summary>Opaque <c>ps_store</c>: a store running inside this process.</summary>
internal struct ps_store { }

/// <summary>Where an object's bytes are, in this process (pointers into the mapped segment).</summary>
[StructLayout(LayoutKind.Explicit, Size = 80)]
internal unsafe struct ps_object_view
{
    [FieldOffset(0)] public byte* data;
    [FieldOffset(8)] public long data_size;
    [FieldOffset(16)] public byte* metadata;
    [FieldOffset(24)] public long metadata_size;
    [FieldOffset(32)] public byte* segment_base;
    [FieldOffset(40)] public long segment_size;
    [FieldOffset(48)] public fixed byte object_id[NativeConstants.PS_OBJECT_ID_SIZE];
    [FieldOffset(68)] public byte is_sealed;
    [FieldOffset(69)] public fixed byte reserved[3];
    [FieldOffset(72)] public int reserved2;
}

/// <summary>One entry of ps_client_list, and one notification.</summary>
[StructLayout(LayoutKind.Explicit, Size = 72)]
internal unsafe struct ps_object_info
{
    [FieldOffset(0)] public fixed byte object_id[NativeConstants.PS_OBJECT_ID_SIZE];
    [FieldOffset(20)] public fixed byte digest[NativeConstants.PS_DIGEST_SIZE];
    [FieldOffset(32)] public long data_size;
    [FieldOffset(40)] public long metadata_size;
    [FieldOffset(48)] public long create_time;
    [FieldOffset(56)] public long construct_duration;
    [FieldOffset(64)] public int ref_count;
    [FieldOffset(68)] public byte is_sealed;
    [FieldOffset(69)] public byte is_deletion;
    [FieldOffset(70)] public fixed byte reserved[2];
}

/// <summary>A store's statistics (ps_client_store_stats); -1 where not reported or not counted.</summary>
[StructLayout(LayoutKind.Explicit, Size = 48)]
internal struct ps_store_stats
{
    [FieldOffset(0)] public long capacity;
    [FieldOffset(8)] public long bytes_used;
    [FieldOffset(16)] public long evictions;
    [FieldOffset(24)] public long objects;
    [FieldOffset(32)] public long sealed_objects;
    [FieldOffset(40)] public long objects_in_use;
}

/// <summary>The header's #define constants (sizes and ps_code values).</summary>
internal static class NativeConstants
{
    public const int PS_OBJECT_ID_SIZE = 20;
    public const int PS_DIGEST_SIZE = 8;

    public const int PS_OK = 0;
    public const int PS_OBJECT_EXISTS = 1;
    public const int PS_OBJECT_NOT_FOUND = 2;
    public const int PS_OUT_OF_MEMORY = 3;
    public const int PS_OBJECT_NOT_SEALED = 4;
    public const int PS_OBJECT_IN_USE = 5;
    public const int PS_IO_ERROR = 10;
    public const int PS_INVALID_ARGUMENT = 11;
    public const int PS_DISCONNECTED = 12;
    public const int PS_TIMEOUT = 13;
    public const int PS_PROTOCOL_ERROR = 14;
    public const int PS_INTERNAL = 15;
}
