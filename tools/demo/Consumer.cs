using System.Diagnostics;
using System.Runtime.InteropServices;
using Apache.Arrow;
using PlasmaSharp.Arrow;

namespace PlasmaSharp.Demo;

/// <summary>Consumer mode (<c>plasmasharp-demo consume SOCKET ID</c>): a separate process that gets
/// the batch zero-copy, scans it in place and reports timings, the four check numbers and where
/// the bytes live in its address space.</summary>
internal static class Consumer
{
    public static int Run(string socket, ObjectId id)
    {
        var clock = Stopwatch.StartNew();
        using PlasmaClient client = PlasmaClient.Connect(socket, new PlasmaClientOptions { ConnectAttempts = 20 });
        double connectMs = clock.Elapsed.TotalMilliseconds;
        // The first get pays for loading and JIT-compiling the Arrow reader: time it, then time a
        // second get of the same object, which is what every later get in this process costs.
        var first = Inspect(client, id, TimeSpan.FromSeconds(30));
        var report = first is null ? null : Inspect(client, id, TimeSpan.FromSeconds(30));
        if (report is null)
        {
            Console.Error.WriteLine($"object {id} did not appear within 30 s");
            return 2;
        }
        report.Insert(0, ("connect_ms", connectMs.ToString("F2")));
        report.Add(("first_get_ms", (first!.First(e => e.Item1 == "get_ms").Item2)));
        Console.Write(ConsumerReport.Format(report));
        return 0;
    }

    /// <summary>Gets the object, decodes the batch in place, scans it and locates its bytes.
    /// Null when the object did not appear in time.</summary>
    public static unsafe List<(string, object)>? Inspect(PlasmaClient client, ObjectId id, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        using PlasmaObject? obj = client.Get(id, timeout);
        if (obj is null) return null;
        RecordBatch[] batches = obj.ReadRecordBatches();
        double getMs = clock.Elapsed.TotalMilliseconds;
        try
        {
            RecordBatch batch = batches.Single();
            clock.Restart();
            Summary summary = DemoBatch.Summarize(batch);
            double scanMs = clock.Elapsed.TotalMilliseconds;

            ulong objectAddr = (ulong)obj.DangerousGetDataPointer();
            ReadOnlySpan<long> ids = ((Int64Array)batch.Column("id")).Values;
            ulong columnAddr;
            fixed (long* p = &MemoryMarshal.GetReference(ids)) columnAddr = (ulong)p;
            MappedRegion? map = MappedRegion.Containing(columnAddr);
            return
            [
                ("lang", "csharp"),
                ("pid", Environment.ProcessId),
                ("get_ms", getMs.ToString("F2")),
                ("scan_ms", scanMs.ToString("F2")),
                ("rows", summary.Rows),
                ("id_sum", summary.IdSum),
                ("gamma_rows", summary.GammaRows),
                ("last_ts", summary.LastTimestamp),
                ("object_id", obj.Id),
                ("metadata", System.Text.Encoding.ASCII.GetString(obj.Metadata.Span)),
                ("object_addr", $"0x{objectAddr:x}"),
                ("object_len", obj.DataLength),
                ("column_addr", $"0x{columnAddr:x}"),
                ("column_len", ids.Length * sizeof(long)),
                ("map_start", $"0x{map?.Start ?? 0:x}"),
                ("map_end", $"0x{map?.End ?? 0:x}"),
                ("map_inode", map?.Inode ?? 0),
                ("map_dev", map?.Device ?? "?"),
                ("map_path", map?.Path ?? "?"),
                ("column_file_offset", map?.FileOffsetOf(columnAddr) ?? 0),
            ];
        }
        finally
        {
            foreach (RecordBatch b in batches) b.Dispose();
        }
    }
}
