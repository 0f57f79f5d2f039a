namespace PlasmaSharp.Examples.ArrowService;

/// <summary>Bound from the <c>ArrowService</c> configuration section.</summary>
public sealed class ArrowServiceOptions
{
    /// <summary>Request bodies above this size are refused with 413 (default 64 MiB).</summary>
    public long MaxStreamBytes { get; set; } = 64L << 20;
}
