using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using PlasmaSharp;
using PlasmaSharp.Cluster;
using StackExchange.Redis;

// Cluster directory bench: a redis-server of its own (or --redis CONN), the bundled store, a node
// process (plasmasharp node --store-socket) beside it; N small objects sealed in a burst -> publish rate; Locate latency vs a
// Redis PING round trip (the floor), measured the same way on the same connection kind.
int objects = 100_000, locates = 2_000;
string? redisArg = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--objects": objects = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--locates": locates = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--redis": redisArg = args[++i]; break;
        case "--quick": objects = 20_000; locates = 1_000; break;
        default:
            Console.Error.WriteLine("usage: cluster-bench [--objects N] [--locates N] [--redis HOST:PORT] [--quick]");
            return 1;
    }
}

string temp = Directory.CreateTempSubdirectory("psc-bench-").FullName;
Process? redisProcess = null, nodeProcess = null;
try
{
    string redis = redisArg ?? StartRedis(temp, out redisProcess);
    await using PlasmaStore store = await PlasmaStore.StartAsync(Math.Max(256L << 20, objects * 1024L));
    // The node as deployed: its own process (the plasmasharp tool), attached to the store.
    nodeProcess = StartNode(redis, store.SocketPath);
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
    if (nodeProcess is { HasExited: false })
    {
        nodeProcess.Kill();
        nodeProcess.WaitForExit();
    }
    if (redisProcess is { HasExited: false })
    {
        redisProcess.Kill();
        redisProcess.WaitForExit();
    }
    Directory.Delete(temp, recursive: true);
}

static Process StartNode(string redis, string storeSocket)
{
    var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "PlasmaSharp.Cli.dll"), "node", "--redis", redis, "--node-id", "bench", "--store-socket", storeSocket })
        start.ArgumentList.Add(a);
    Process node = Process.Start(start)!;
    node.OutputDataReceived += (_, _) => { };
    node.ErrorDataReceived += (_, _) => { };
    node.BeginOutputReadLine();
    node.BeginErrorReadLine();
    return node;
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

static string StartRedis(string dir, out Process process)
{
    var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    int port = ((IPEndPoint)listener.LocalEndpoint).Port;
    listener.Stop();
    var start = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, WorkingDirectory = dir };
    foreach (string a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir })
        start.ArgumentList.Add(a);
    process = Process.Start(start)!;
    process.OutputDataReceived += (_, _) => { };
    process.BeginOutputReadLine();
    for (int i = 0; i < 500; i++)
    {
        try
        {
            using var probe = new TcpClient();
            probe.Connect(IPAddress.Loopback, port);
            return $"127.0.0.1:{port}";
        }
        catch (SocketException)
        {
            Thread.Sleep(20);
        }
    }
    throw new TimeoutException("redis-server did not start");
}
