namespace PlasmaSharp.Hosting.Tests;

/// <summary>A fact that needs Arrow 11's python (pyarrow 11 with pyarrow.plasma): skipped with
/// ARROW11_MISSING's reason (tests/arrow11/env.sh) when it is absent, never passed or failed.</summary>
public sealed class Arrow11FactAttribute : FactAttribute
{
    public Arrow11FactAttribute()
    {
        if (SkipReason is { } reason) Skip = reason;
    }

    public static string? SkipReason { get; } = FindSkipReason();

    /// <summary>Arrow 11's python3 wrapper (pyarrow 11 importable).</summary>
    public static string Python => Path.Combine(Environment.GetEnvironmentVariable("ARROW11_BIN")!, "python3");

    private static string? FindSkipReason()
    {
        string? missing = Environment.GetEnvironmentVariable("ARROW11_MISSING");
        if (!string.IsNullOrEmpty(missing)) return "pyarrow 11: " + missing;
        string? bin = Environment.GetEnvironmentVariable("ARROW11_BIN");
        if (string.IsNullOrEmpty(bin))
            return "pyarrow 11: ARROW11_BIN is not set (run through ./build.sh test, or `source tests/arrow11/env.sh` first)";
        if (!File.Exists(Path.Combine(bin, "python3"))) return $"pyarrow 11: {bin}/python3 does not exist";
        return null;
    }
}
