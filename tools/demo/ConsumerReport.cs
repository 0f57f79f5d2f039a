using System.Globalization;
using System.Text;

namespace PlasmaSharp.Demo;

/// <summary>What one consumer process prints: one <c>key=value</c> per line (easy to write from
/// C#, Node and Python, easy to parse). The keys every consumer writes are listed in
/// tools/demo/README.md.</summary>
internal sealed class ConsumerReport
{
    private readonly Dictionary<string, string> _values;

    private ConsumerReport(Dictionary<string, string> values) => _values = values;

    public static ConsumerReport Parse(string output)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in output.Split('\n'))
        {
            string line = raw.Trim();
            int eq = line.IndexOf('=');
            // Only "key=value" lines count: anything else a consumer prints is ignored.
            if (eq > 0 && line[..eq].All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                values[line[..eq]] = line[(eq + 1)..];
        }
        return new ConsumerReport(values);
    }

    public string? this[string key] => _values.GetValueOrDefault(key);

    public long Long(string key) =>
        _values.TryGetValue(key, out string? v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n : -1;

    public ulong Hex(string key) =>
        _values.TryGetValue(key, out string? v) && ulong.TryParse(v.StartsWith("0x", StringComparison.Ordinal) ? v[2..] : v,
            NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong n) ? n : 0;

    public double Double(string key) =>
        _values.TryGetValue(key, out string? v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : double.NaN;

    public Summary Summary => new(Long("rows"), Long("id_sum"), Long("gamma_rows"), Long("last_ts"));

    /// <summary>Writes a report (consumer side).</summary>
    public static string Format(IEnumerable<(string Key, object Value)> entries)
    {
        var text = new StringBuilder();
        foreach ((string key, object value) in entries)
            text.Append(key).Append('=').Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append('\n');
        return text.ToString();
    }
}
