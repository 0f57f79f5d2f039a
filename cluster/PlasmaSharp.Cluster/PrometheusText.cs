using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace PlasmaSharp.Cluster;

/// <summary>The PlasmaSharp meter in the Prometheus text format (version 0.0.4), written from a
/// <see cref="MeterListener"/>. Why not OpenTelemetry's Prometheus exporter: it is served only as a
/// prerelease, and a stable package must not depend on one; this is the format's small subset the
/// instruments need (counters, up-down counters and gauges, histograms with fixed buckets).</summary>
public sealed class PrometheusText : IDisposable
{
    private static readonly double[] s_bounds = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), Series> _series = new();
    private readonly Lock _scrapeLock = new();

    private sealed class Series
    {
        public double Value; // counter sum or last gauge value
        public readonly long[] Buckets = new long[s_bounds.Length + 1];
        public long Count;
        public double Sum;
    }

    /// <summary>Starts listening to the <see cref="PlasmaTelemetry.MeterName"/> meter.</summary>
    public PrometheusText()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PlasmaTelemetry.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        Series s = _series.GetOrAdd((instrument, Labels(tags)), _ => new Series());
        lock (s)
        {
            switch (Kind(instrument))
            {
                case SeriesKind.Sum:
                    s.Value += value; // counters and up-down counters report deltas
                    break;
                case SeriesKind.Histogram:
                    int b = 0;
                    while (b < s_bounds.Length && value > s_bounds[b]) b++;
                    s.Buckets[b]++;
                    s.Count++;
                    s.Sum += value;
                    break;
                default:
                    s.Value = value; // observable instruments and gauges report the current value
                    break;
            }
        }
    }

    private enum SeriesKind { Sum, Last, Histogram }

    private static SeriesKind Kind(Instrument instrument) =>
        instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() switch
        {
            var t when t == typeof(Counter<>) || t == typeof(UpDownCounter<>) => SeriesKind.Sum,
            var t when t == typeof(Histogram<>) => SeriesKind.Histogram,
            _ => SeriesKind.Last,
        } : SeriesKind.Last;

    // Prometheus type: counters (also observable ones, which report running totals), histograms, else gauges.
    private static bool IsPrometheusCounter(Instrument instrument) =>
        instrument.GetType().IsGenericType &&
        (instrument.GetType().GetGenericTypeDefinition() == typeof(Counter<>) || instrument.GetType().GetGenericTypeDefinition() == typeof(ObservableCounter<>));

    /// <summary>The current values of every instrument (observable gauges are read now).</summary>
    public string Scrape()
    {
        lock (_scrapeLock)
        {
            _listener.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (var group in _series.GroupBy(p => p.Key.Instrument).OrderBy(g => g.Key.Name, StringComparer.Ordinal))
            {
                Instrument instrument = group.Key;
                bool isCounter = IsPrometheusCounter(instrument);
                bool isHistogram = Kind(instrument) == SeriesKind.Histogram;
                string name = MetricName(instrument) + (isCounter ? "_total" : "");
                text.Append("# HELP ").Append(name).Append(' ').Append(instrument.Description ?? "").Append('\n');
                text.Append("# TYPE ").Append(name).Append(isCounter ? " counter" : isHistogram ? " histogram" : " gauge").Append('\n');
                foreach (var (key, s) in group.OrderBy(p => p.Key.Labels, StringComparer.Ordinal))
                    lock (s)
                    {
                        if (!isHistogram)
                        {
                            text.Append(name).Append(Braces(key.Labels)).Append(' ').Append(Number(s.Value)).Append('\n');
                            continue;
                        }
                        long cumulative = 0;
                        for (int b = 0; b <= s_bounds.Length; b++)
                        {
                            cumulative += s.Buckets[b];
                            string le = b < s_bounds.Length ? Number(s_bounds[b]) : "+Inf";
                            text.Append(name).Append("_bucket").Append(Braces(Join(key.Labels, $"le=\"{le}\""))).Append(' ').Append(cumulative).Append('\n');
                        }
                        text.Append(name).Append("_sum").Append(Braces(key.Labels)).Append(' ').Append(Number(s.Sum)).Append('\n');
                        text.Append(name).Append("_count").Append(Braces(key.Labels)).Append(' ').Append(s.Count).Append('\n');
                    }
            }
            return text.ToString();
        }
    }

    /// <summary>plasmasharp.cluster.table.publish.duration (unit s) -> plasmasharp_cluster_table_publish_duration_seconds.</summary>
    internal static string MetricName(Instrument instrument)
    {
        var name = new StringBuilder();
        foreach (char c in instrument.Name) name.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        string suffix = instrument.Unit switch { "s" => "_seconds", "By" => "_bytes", _ => "" };
        return name.Append(suffix).ToString();
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0) return "";
        var parts = new List<string>(tags.Length);
        foreach (var (k, v) in tags)
            parts.Add($"{k}=\"{Convert.ToString(v, CultureInfo.InvariantCulture)?.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n")}\"");
        parts.Sort(StringComparer.Ordinal);
        return string.Join(',', parts);
    }

    private static string Join(string a, string b) => a.Length == 0 ? b : a + "," + b;

    private static string Braces(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";

    private static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Stops listening.</summary>
    public void Dispose() => _listener.Dispose();
}
