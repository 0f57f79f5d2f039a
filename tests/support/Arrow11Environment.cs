namespace PlasmaSharp.TestSupport;

/// <summary>The real Apache Arrow 11 Plasma for the .NET test suites (compiled into each of them):
/// tests/arrow11/env.sh stages it and exports ARROW11_BIN, or ARROW11_MISSING with the reason it
/// cannot be used; the test command exports them to every suite.</summary>
internal static class Arrow11Environment
{
    /// <summary>$ARROW11_BIN/<paramref name="binary"/> (<c>plasma-store-server</c>, or <c>python3</c>:
    /// Debian's python with pyarrow 11 importable). Only valid when <see cref="SkipReason"/> is null.</summary>
    public static string PathOf(string binary) => Path.Combine(Environment.GetEnvironmentVariable("ARROW11_BIN")!, binary);

    /// <summary>Why a test of <paramref name="what"/> (e.g. "real Arrow 11 store") that runs
    /// <paramref name="binary"/> must skip here, or null when it can run. Without either variable
    /// the suite was started outside the test command, so the reason says how to get them.</summary>
    public static string? SkipReason(string what, string binary)
    {
        string? missing = Environment.GetEnvironmentVariable("ARROW11_MISSING");
        if (!string.IsNullOrEmpty(missing)) return $"{what}: {missing}";
        string? bin = Environment.GetEnvironmentVariable("ARROW11_BIN");
        if (string.IsNullOrEmpty(bin))
            return $"{what}: ARROW11_BIN is not set (run through ./build.sh test, or `source tests/arrow11/env.sh` first)";
        if (!File.Exists(Path.Combine(bin, binary))) return $"{what}: {bin}/{binary} does not exist";
        return null;
    }
}
