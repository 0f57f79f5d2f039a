using System.Globalization;

namespace PlasmaSharp.Cli;

/// <summary>A usage error: printed with a hint to --help, exit code 1.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The words after the command, split into positionals and --options (hand-rolled: the
/// tool needs no parsing library). Options take their value as the next word or after '='.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public List<string> Positionals { get; } = [];

    /// <param name="words">The words after the command name.</param>
    /// <param name="valued">Options that take a value (e.g. "--socket", "-o").</param>
    /// <param name="flags">Options without a value.</param>
    public static Arguments Parse(IEnumerable<string> words, string[] valued, string[] flags)
    {
        var result = new Arguments();
        using IEnumerator<string> e = words.GetEnumerator();
        bool onlyPositionals = false;
        while (e.MoveNext())
        {
            string word = e.Current;
            if (onlyPositionals || word == "-" || !word.StartsWith('-'))
            {
                result.Positionals.Add(word);
                continue;
            }
            if (word == "--")
            {
                onlyPositionals = true;
                continue;
            }
            string name = word, value = "";
            int eq = word.IndexOf('=');
            bool hasInlineValue = eq > 0;
            if (hasInlineValue)
            {
                name = word[..eq];
                value = word[(eq + 1)..];
            }
            if (valued.Contains(name))
            {
                if (!hasInlineValue)
                {
                    if (!e.MoveNext()) throw new UsageException($"option {name} needs a value");
                    value = e.Current;
                }
                result._options[name] = value;
            }
            else if (flags.Contains(name) && !hasInlineValue)
            {
                result._options[name] = null;
            }
            else
            {
                throw new UsageException($"unknown option '{word}'");
            }
        }
        return result;
    }

    public string? Option(string name) => _options.TryGetValue(name, out string? v) ? v : null;

    public bool Flag(string name) => _options.ContainsKey(name);

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
}
