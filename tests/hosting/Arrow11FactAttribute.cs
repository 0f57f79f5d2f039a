using PlasmaSharp.TestSupport;

namespace PlasmaSharp.Hosting.Tests;

/// <summary>A fact that needs Arrow 11's python (pyarrow 11 with pyarrow.plasma): skipped with
/// ARROW11_MISSING's reason (tests/arrow11/env.sh) when it is absent, never passed or failed.</summary>
public sealed class Arrow11FactAttribute : FactAttribute
{
    public Arrow11FactAttribute()
    {
        if (SkipReason is { } reason) Skip = reason;
    }

    public static string? SkipReason { get; } = Arrow11Environment.SkipReason("pyarrow 11", "python3");

    /// <summary>Arrow 11's python3 wrapper (pyarrow 11 importable).</summary>
    public static string Python => Arrow11Environment.PathOf("python3");
}
