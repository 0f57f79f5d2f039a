using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PlasmaSharp;

/// <summary>The client's instruments on <see cref="PlasmaTelemetry.Meter"/>. With no listener
/// attached an operation costs two <c>Enabled</c> checks and no clock read.</summary>
internal static class ClientInstruments
{
    // Plasma operations are tens of microseconds (one Unix-socket round trip) up to seconds (a
    // large put or a waiting get): buckets from 25 us to 10 s.
    private static readonly double[] DurationBuckets =
        [0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly Histogram<double> OperationDuration = PlasmaTelemetry.Meter.CreateHistogram<double>(
        PlasmaTelemetry.ClientOperationDuration, "s", "Duration of PlasmaClient operations.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    private static readonly Counter<long> Io = PlasmaTelemetry.Meter.CreateCounter<long>(
        PlasmaTelemetry.ClientIo, "By", "Object data bytes written (put, create) and read (get) by PlasmaClients.");

    private static readonly UpDownCounter<long> Connections = PlasmaTelemetry.Meter.CreateUpDownCounter<long>(
        PlasmaTelemetry.ClientConnections, "{connection}", "PlasmaClient connections open in this process.");

    /// <summary>The start timestamp of an operation, or 0 when nobody listens.</summary>
    public static long Start() => OperationDuration.Enabled || Io.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Records a successful operation and the bytes it moved.</summary>
    public static void Completed(long start, string operation, string socketPath, long bytes = 0, bool read = false)
    {
        if (start == 0) return;
        var operationTag = new KeyValuePair<string, object?>(PlasmaTelemetry.OperationAttribute, operation);
        var serverTag = new KeyValuePair<string, object?>(PlasmaTelemetry.ServerAddressAttribute, socketPath);
        OperationDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, operationTag, serverTag);
        if (bytes > 0)
            Io.Add(bytes, operationTag, new(PlasmaTelemetry.IoDirectionAttribute, read ? "read" : "write"), serverTag);
    }

    /// <summary>Records a failed operation. Used as an exception filter: returns false, so the
    /// exception goes on unchanged.</summary>
    public static bool Failed(long start, string operation, string socketPath, Exception error)
    {
        if (start == 0) return false;
        OperationDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds,
            new(PlasmaTelemetry.OperationAttribute, operation),
            new(PlasmaTelemetry.ServerAddressAttribute, socketPath),
            new(PlasmaTelemetry.ErrorTypeAttribute, error.GetType().FullName));
        return false;
    }

    public static void Connected(string socketPath) =>
        Connections.Add(1, new KeyValuePair<string, object?>(PlasmaTelemetry.ServerAddressAttribute, socketPath));

    public static void Disconnected(string socketPath) =>
        Connections.Add(-1, new KeyValuePair<string, object?>(PlasmaTelemetry.ServerAddressAttribute, socketPath));
}
