using Apache.Arrow.Ipc;

namespace PlasmaSharp.Arrow;

/// <summary>Options for writing Arrow record batches into Plasma objects.</summary>
public sealed class PlasmaArrowOptions
{
    /// <summary>Metadata Ray attaches to raw Arrow IPC payloads ("RAW"): the default metadata.</summary>
    public static ReadOnlyMemory<byte> RayRawMetadata { get; } = "RAW"u8.ToArray();

    /// <summary>Metadata stored with the object. Default <see cref="RayRawMetadata"/> ("RAW"), what Ray's
    /// Python side reads as plain bytes for <c>pa.ipc.open_stream</c>.</summary>
    public ReadOnlyMemory<byte> Metadata { get; set; } = RayRawMetadata;

    /// <summary>Arrow IPC writer options (e.g. LZ4/ZSTD compression with Apache.Arrow.Compression's
    /// CompressionCodecFactory). Null = Arrow's defaults (uncompressed).</summary>
    public IpcOptions? IpcOptions { get; set; }
}
