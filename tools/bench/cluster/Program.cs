using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PlasmaSharp;
using PlasmaSharp.Bench.Cluster;
using PlasmaSharp.Cluster;
using StackExchange.Redis;

// Cluster directory bench: a redis-server of its own (or --redis CONN), the bundled store, a node
// process (plasmasharp node --store-socket) beside it; N small objects sealed in a burst -> publish rate; Locate latency vs a
// Redis PING round trip (the floor), measured the same way on the same connection kind.
// With --transfer: the node-to-node transfer figures instead (TransferBench.cs).
int objects = 100_000, locates = 2_000;
string? redisArg = null;
bool quick = false, transfer = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--objects": objects = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--locates": locates = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--redis": redisArg = args[++i]; break;
        case "--quick": objects = 20_000; locates = 1_000; quick = true; break;
        case "--transfer": transfer = true; break;
        default:
            Console.Error.WriteLine("usage: cluster-bench [--objects N] [--locates N] [--redis HOST:PORT] [--quick] [--transfer]");
            return 1;
    }
}

if (transfer)
{
    Console.WriteLine(JsonSerializer.Serialize(await new TransferBench(quick).RunAsync(), new JsonSerializerOptions { WriteIndented = true }));
    return 0;
}

string temp = Directory.CreateTempSubdirectory("psc-bench-").FullName;
Process? redisProcess = null, nodeProcess = null;
try
{
    string redis = redisArg ?? BenchProcesses.StartRedis(temp, out redisProcess);
    await using PlasmaStore store = await PlasmaStore.StartAsync(Math.Max(256L << 20, objects * 1024L));
    // The node as deployed: its own process (the plasmasharp tool), attached to the store.
    nodeProcess = BenchProcesses.StartNode(new StringBuilder(), "--redis", redis, "--node-id", "bench", "--store-socket", store.SocketPath);
    await using PlasmaCluster cluster = await PlasmaCluster.ConnectAsync(redis);
    IDatabase db = (await ConnectionMultiplexer.ConnectAsync(redis)).GetDatabase();
    var startClock = Stopwatch.StartNew();
    while (!await db.KeyExistsAsync(ClusterKeys.Node("bench")))
    {
        if (nodeProcess.HasExited || startClock.Elapsed > TimeSpan.FromSeconds(30)) throw new InvalidOperationException("the node did not register");
        await Task.Delay(10);
    }

    // Publish: seal N objects of 16 bytes as fast as the client can, wait until all are in the table.
    using var client = PlasmaClient.Connect(store.SocketPath);
    ObjectId[] ids = Enumerable.Range(0, objects).Select(_ => ObjectId.NewRandom()).ToArray();
    byte[] data = new byte[16];
    // CPU of each process over the publish window, so a slow publish can be put on the node, on
    // Redis or on the store (heartbeats in the window are noise next to N objects).
    Process storeProcess = Process.GetProcessById(store.ProcessId ?? throw new InvalidOperationException("the store runs in process"));
    var cpuProcesses = new List<(string Key, Process Process)> { ("node", nodeProcess), ("store", storeProcess) };
    if (redisProcess != null) cpuProcesses.Add(("redis", redisProcess));
    TimeSpan[] cpuBefore = cpuProcesses.Select(p => p.Process.TotalProcessorTime).ToArray();
    var clock = Stopwatch.StartNew();
    for (int i = 0; i < objects; i += 1000)
        client.PutBatch(ids[i..Math.Min(objects, i + 1000)].Select(id => new PlasmaPutItem(id, data)).ToArray());
    double sealSeconds = clock.Elapsed.TotalSeconds;
    while (await db.HashLengthAsync(ClusterKeys.NodeObjects("bench")) < objects)
    {
        if (clock.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException("the table did not catch up within 2 minutes");
        await Task.Delay(2);
    }
    double publishSeconds = clock.Elapsed.TotalSeconds;
    double[] cpuUsPerObject = cpuProcesses.Select((p, i) => (p.Process.TotalProcessorTime - cpuBefore[i]).TotalMicroseconds / objects).ToArray();

    // Latency: sequential calls, median and p99; PING first as the floor.
    double[] ping = await Measure(locates, async _ => await cluster.PingAsync());
    // Every timed Locate must find its object on the node: a miss would time a cheaper path.
    double[] locate = await Measure(locates, async i =>
    {
        if ((await cluster.LocateAsync(ids[i * 7919 % objects])).Count != 1) throw new InvalidOperationException("Locate missed a published object");
    });

    var result = new Dictionary<string, object>
    {
        ["cluster.objects"] = objects,
        ["cluster.seal_rate_objects_per_s"] = Math.Round(objects / sealSeconds),
        ["cluster.publish_rate_objects_per_s"] = Math.Round(objects / publishSeconds),
        ["cluster.publish_lag_after_last_seal_ms"] = Math.Round((publishSeconds - sealSeconds) * 1000, 1),
        ["cluster.locate_calls"] = locates,
        ["cluster.redis_ping_median_us"] = Percentile(ping, 0.5),
        ["cluster.redis_ping_p99_us"] = Percentile(ping, 0.99),
        ["cluster.locate_median_us"] = Percentile(locate, 0.5),
        ["cluster.locate_p99_us"] = Percentile(locate, 0.99),
        ["cluster.locate_vs_ping"] = Math.Round(Percentile(locate, 0.5) / Percentile(ping, 0.5), 2),
    };
    for (int i = 0; i < cpuProcesses.Count; i++)
        result[$"cluster.publish_{cpuProcesses[i].Key}_cpu_us_per_object"] = Math.Round(cpuUsPerObject[i], 2);
    Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
    return 0;
}
finally
{
    BenchProcesses.Stop(nodeProcess);
    BenchProcesses.Stop(redisProcess);
    Directory.Delete(temp, recursive: true);
}

static async Task<double[]> Measure(int count, Func<int, Task> call)
{
    for (int i = 0; i < Math.Min(100, count); i++) await call(i); // warm-up
    var us = new double[count];
    for (int i = 0; i < count; i++)
    {
        long start = Stopwatch.GetTimestamp();
        await call(i);
        us[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }
    Array.Sort(us);
    return us;
}

static double Percentile(double[] sorted, double p) => Math.Round(sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))], 1);
