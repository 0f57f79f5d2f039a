using System.CommandLine.Parsing;
using System.Globalization;

namespace PlasmaSharp.Cli;

/// <summary>A usage error: printed with a hint to --help, exit code 1.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The tool's value formats (ids, byte counts, durations, counts). System.CommandLine
/// splits the command line; these turn its words into values, with messages that say what a
/// valid value looks like. Bad values become parse errors, so they are reported before any
/// connection is tried and never depend on whether a store is running.</summary>
internal static class Arguments
{
    /// <summary>A CustomParser for System.CommandLine: the last token through <paramref name="parse"/>,
    /// its UsageException turned into a parse error (exit code 1).</summary>
    public static T Parsed<T>(ArgumentResult result, Func<string, T> parse)
    {
        try
        {
            return parse(result.Tokens[^1].Value);
        }
        catch (UsageException e)
        {
            result.AddError(e.Message);
            return default!;
        }
    }

    /// <summary>Every token through <paramref name="parse"/> (arguments taking several values, e.g. rm's ids).</summary>
    public static T[] ParsedAll<T>(ArgumentResult result, Func<string, T> parse)
    {
        try
        {
            return result.Tokens.Select(t => parse(t.Value)).ToArray();
        }
        catch (UsageException e)
        {
            result.AddError(e.Message);
            return [];
        }
    }

    public static ObjectId ParseId(string text)
    {
        if (ObjectId.TryParse(text.Trim(), out ObjectId id)) return id;
        throw new UsageException($"'{text}' is not an object id: an id is 40 hex digits (20 bytes), e.g. {new string('0', 38)}2a");
    }

    /// <summary>A byte count: digits with an optional K, M, G or T suffix (powers of 1024; "KiB", "MB" too).</summary>
    public static long ParseBytes(string text, string what)
    {
        string t = text.Trim().ToUpperInvariant();
        long multiplier = 1;
        string[] suffixes = ["K", "M", "G", "T"];
        foreach (string unit in new[] { "IB", "B" })
            if (t.Length > unit.Length && t.EndsWith(unit, StringComparison.Ordinal) && suffixes.Contains(t[^(unit.Length + 1)].ToString()))
            {
                t = t[..^unit.Length];
                break;
            }
        for (int i = 0; i < suffixes.Length; i++)
            if (t.EndsWith(suffixes[i], StringComparison.Ordinal))
            {
                multiplier = 1L << (10 * (i + 1));
                t = t[..^1];
                break;
            }
        if (long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n <= long.MaxValue / multiplier)
            return n * multiplier;
        throw new UsageException($"{what}: '{text}' is not a byte count (e.g. 1048576, 512K, 64M, 2G)");
    }

    /// <summary>Milliseconds, 0 to int.MaxValue (what the client's Get accepts).</summary>
    public static long ParseMilliseconds(string text, string what)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long ms) && ms <= int.MaxValue) return ms;
        throw new UsageException($"{what}: '{text}' is not a number of milliseconds");
    }

    public static int ParsePositive(string text, string what)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1) return n;
        throw new UsageException($"{what}: '{text}' is not a positive number");
    }

    /// <summary>"10", "2.5", "2s", "500ms".</summary>
    public static TimeSpan ParseSeconds(string text, string what)
    {
        string t = text.Trim().ToLowerInvariant();
        double scale = 1;
        if (t.EndsWith("ms", StringComparison.Ordinal))
        {
            scale = 0.001;
            t = t[..^2];
        }
        else if (t.EndsWith('s'))
        {
            t = t[..^1];
        }
        if (double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double v) && v > 0 && v * scale < 86400)
            return TimeSpan.FromSeconds(v * scale);
        throw new UsageException($"{what}: '{text}' is not a duration (seconds, e.g. 10, 2.5, 500ms)");
    }
}
