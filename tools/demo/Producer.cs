using System.Diagnostics;
using Apache.Arrow;
using PlasmaSharp.Arrow;

namespace PlasmaSharp.Demo;

/// <summary>The demo's main process: starts (or joins) a store, produces the batch, launches the
/// consumers, checks what they report and prints the summary.</summary>
internal static class Producer
{
    public static async Task<int> RunAsync(DemoOptions options)
    {
        Console.WriteLine("PlasmaSharp demo: one producer, several consumer processes, one Arrow record batch in Plasma shared memory");
        Console.WriteLine();

        PlasmaStore? store = null;
        string socket;
        if (options.StoreSocket is null)
        {
            store = await PlasmaStore.StartAsync(options.StoreCapacity);
            socket = store.SocketPath;
            Console.WriteLine($"store      embedded plasma-store, pid {store.ProcessId}, {Units.Bytes(store.Capacity)}, socket {socket}");
            Console.WriteLine($"           executable {PlasmaStore.FindExecutable()}");
        }
        else
        {
            socket = options.StoreSocket;
            Console.WriteLine($"store      existing store on {socket}");
        }

        // Ctrl+C: stop the store we started (and remove its socket folder) before exiting.
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            store?.Dispose();
            Console.Error.WriteLine("interrupted; store stopped");
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            using PlasmaClient client = PlasmaClient.Connect(socket, new PlasmaClientOptions { ConnectAttempts = 3 });
            if (store is null) Console.WriteLine($"           capacity {Units.Bytes(client.Capacity)}");
            return await ProduceAndConsumeAsync(client, socket, options);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            if (store is not null)
            {
                await store.StopAsync();
                Console.WriteLine("store      stopped; its temporary socket folder was removed");
            }
        }
    }

    private static async Task<int> ProduceAndConsumeAsync(PlasmaClient client, string socket, DemoOptions options)
    {
        // ---- produce
        var clock = Stopwatch.StartNew();
        using RecordBatch batch = DemoBatch.Build(options.Rows);
        double buildSeconds = clock.Elapsed.TotalSeconds;
        long arrowBytes = batch.Arrays.Sum(a => a.Data.Buffers.Sum(b => (long)b.Length)
                                                + (a is DictionaryArray d ? d.Dictionary.Data.Buffers.Sum(b => (long)b.Length) : 0));
        Console.WriteLine($"batch      {options.Rows:N0} rows: id int64, price float64, category dictionary<int32, utf8>, ts timestamp[us, UTC]");
        Console.WriteLine($"           {Units.Bytes(arrowBytes)} of Arrow buffers, built in {buildSeconds:F2} s");

        // Warm-up: a 1000-row put of the same schema first, so the figure below is the steady-state
        // cost of a put (serialize + copy into shared memory + digest + seal), not JIT compilation.
        using (RecordBatch small = DemoBatch.Build(1000))
        {
            ObjectId warmUp = ObjectId.NewRandom();
            client.PutRecordBatch(warmUp, small);
            client.Delete(warmUp);
        }

        // First put into this store's memory: the kernel allocates the shared pages as they are first
        // written. Then the put the consumers read, into memory the store reuses (pages in place).
        ObjectId fresh = ObjectId.NewRandom();
        clock.Restart();
        long objectSize = client.PutRecordBatch(fresh, batch);
        double freshSeconds = clock.Elapsed.TotalSeconds;
        client.Delete(fresh);

        ObjectId id = ObjectId.NewRandom();
        clock.Restart();
        client.PutRecordBatch(id, batch);
        double putSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"put        object {id}");
        Console.WriteLine($"           {Units.Bytes(objectSize)} Arrow IPC stream + metadata \"RAW\" (Ray's convention), serialized straight into shared memory");
        Console.WriteLine($"           in {putSeconds * 1000:F0} ms = {objectSize / putSeconds / 1e9:F2} GB/s (producer pid {Environment.ProcessId}; " +
                          $"the very first put into untouched store memory: {freshSeconds * 1000:F0} ms = {objectSize / freshSeconds / 1e9:F2} GB/s, page allocation included)");

        try
        {
            // Where the producer's own view of the bytes is: the reference point for the consumers.
            var own = ConsumerReport.Parse(ConsumerReport.Format(Consumer.Inspect(client, id, TimeSpan.Zero)!));
            Console.WriteLine($"           producer maps it at {own["object_addr"]} in {own["map_path"]} (inode {own["map_inode"]}); " +
                              $"column id at file offset 0x{own.Long("column_file_offset"):x}");
            Console.WriteLine();

            // ---- consume: C# consumer processes, then the other languages, all at once
            Summary expected = DemoBatch.Expected(options.Rows);
            var runs = new List<Task<ConsumerRun>>();
            for (int i = 0; i < options.CSharpConsumers; i++)
                runs.Add(ConsumerProcesses.RunCSharpAsync(socket, id));
            var skipped = new List<string>();
            if (options.CrossLanguage)
            {
                foreach (var (lang, start) in ConsumerProcesses.CrossLanguage(socket, id))
                {
                    if (start is null) skipped.Add(lang);
                    else runs.Add(start);
                }
            }
            ConsumerRun[] results = await Task.WhenAll(runs);

            Console.WriteLine($"consumers  separate processes, each given only the socket and the id {id}");
            Console.WriteLine($"  {"lang",-8} {"pid",7} {"get",9} {"1st get",9} {"scan",9} {"rows",12} {"sum(id)",16} {"gamma",9}  {"zero copy",-9}  where the id column is");
            int failures = 0;
            foreach (ConsumerRun run in results)
            {
                if (run.Error is not null)
                {
                    if (run.Skipped) { skipped.Add($"{run.Lang}: {run.Error}"); continue; }
                    failures++;
                    Console.WriteLine($"  {run.Lang,-8} FAILED: {run.Error}");
                    continue;
                }
                ConsumerReport r = run.Report!;
                List<string> problems = Check(r, expected, own, id);
                if (problems.Count > 0) failures++;
                ulong colStart = r.Hex("column_addr"), colEnd = colStart + (ulong)r.Long("column_len");
                Console.WriteLine($"  {r["lang"],-8} {r["pid"],7} {r.Double("get_ms"),6:F1} ms {r.Double("first_get_ms"),6:F1} ms {r.Double("scan_ms"),6:F1} ms {r.Long("rows"),12:N0} {r.Long("id_sum"),16} {r.Long("gamma_rows"),9}  " +
                                  $"{(problems.Count == 0 ? "yes" : "NO"),-9}  0x{colStart:x}-0x{colEnd:x}, inside its mapping of inode {r["map_inode"]} at file offset 0x{r.Long("column_file_offset"):x}");
                foreach (string p in problems) Console.WriteLine($"           problem: {p}");
            }
            foreach (string s in skipped) Console.WriteLine($"  skipped  {s}");
            Console.WriteLine();
            Console.WriteLine("           get = Get + map + decode the IPC stream into Arrow arrays over the shared bytes (the second get in that");
            Console.WriteLine("           process); 1st get includes loading and JIT-compiling the Arrow reader; scan = sum(id), count(gamma), last ts");
            Console.WriteLine($"expected   rows {expected.Rows:N0}, sum(id) {expected.IdSum}, gamma {expected.GammaRows}, last ts {DateTimeOffset.FromUnixTimeMilliseconds(expected.LastTimestamp / 1000):yyyy-MM-dd HH:mm:ss.fff}Z");
            int ok = results.Count(r => r.Report is not null && Check(r.Report, expected, own, id).Count == 0);
            if (failures == 0 && ok > 0)
            {
                Console.WriteLine($"zero copy  proven for {ok} consumer process(es): each one's Arrow column buffer lies inside the Plasma object it");
                Console.WriteLine($"           mapped, in the same shared-memory file (inode {own["map_inode"]}) at the same file offset the producer wrote;");
                Console.WriteLine($"           no process copied the {Units.Bytes(objectSize)}: a get is a socket round trip plus an mmap.");
            }
            else if (failures > 0)
            {
                Console.WriteLine($"RESULT     {failures} consumer(s) failed");
            }
            return failures == 0 ? 0 : 4;
        }
        finally
        {
            client.Delete(id);
        }
    }

    private static List<string> Check(ConsumerReport r, Summary expected, ConsumerReport producer, ObjectId id)
    {
        var problems = new List<string>();
        if (r.Summary != expected) problems.Add($"values {r.Summary} differ from the expected {expected}");
        if (r["object_id"] != id.ToString()) problems.Add($"object id {r["object_id"]} is not {id}");
        if (r["metadata"] != "RAW") problems.Add($"metadata '{r["metadata"]}' is not RAW");
        ulong col = r.Hex("column_addr"), colLen = (ulong)r.Long("column_len");
        ulong obj = r.Hex("object_addr"), objLen = (ulong)r.Long("object_len");
        if (col < obj || col + colLen > obj + objLen) problems.Add("the column buffer is not inside the Plasma object's bytes (a copy)");
        if (col < r.Hex("map_start") || col + colLen > r.Hex("map_end")) problems.Add("the column buffer is not inside one shared mapping");
        if (r["map_inode"] != producer["map_inode"] || r["map_dev"] != producer["map_dev"])
            problems.Add($"mapped file {r["map_dev"]}/{r["map_inode"]} is not the producer's {producer["map_dev"]}/{producer["map_inode"]}");
        if (r.Long("column_file_offset") != producer.Long("column_file_offset"))
            problems.Add($"file offset 0x{r.Long("column_file_offset"):x} is not the producer's 0x{producer.Long("column_file_offset"):x}");
        return problems;
    }
}

internal static class Units
{
    public static string Bytes(long n) => n switch
    {
        >= 1L << 30 => $"{n / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{n / (double)(1L << 20):F1} MiB",
        >= 1L << 10 => $"{n / 1024.0:F1} KiB",
        _ => $"{n} B",
    };
}
