using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PlasmaSharp.Cluster;

namespace PlasmaSharp.Bench.Cluster;

/// <summary>Node-to-node transfer figures (issue 16): 8 `plasmasharp node` processes with bundled
/// stores on loopback ports; an object put on node "a" and read by a plain client Get on another
/// node's store (the node notices the missing id, pulls it, seals it: the deployed path), timed
/// from the Get to its return (= the Seal landed). Next to each, in the same run: a raw loopback
/// TCP copy of the same bytes into memory (the floor) and the puller's store work alone on a's
/// store, done as the puller does it (copy into a created object, the native streaming digest on
/// one thread, Seal with that digest), so a slow transfer can be split into what the socket, the
/// check and the store cost.</summary>
internal sealed class TransferBench(bool quick)
{
    private const long MiB = 1 << 20;
    private static readonly string[] Pullers = ["b", "n2", "n3", "n4", "n5", "n6", "n7"];

    private readonly Dictionary<string, object> _result = new();
    private readonly Dictionary<string, string> _sockets = new();
    private readonly Dictionary<string, Process> _nodes = new();
    private PlasmaCluster? _cluster;
    private string _redis = "";

    public async Task<Dictionary<string, object>> RunAsync()
    {
        string temp = Directory.CreateTempSubdirectory("psc-transfer-").FullName;
        Process? redis = null;
        var nodes = new List<(Process Process, StringBuilder Output)>();
        try
        {
            // Every figure here competes for the CPUs with whatever else runs: the load goes with them.
            _result["cluster.transfer.load_average_start"] = LoadAverage();
            string conn = BenchProcesses.StartRedis(temp, out redis);
            foreach (string name in (string[])["a", .. Pullers])
            {
                string socket = Path.Combine(temp, name + ".sock");
                _sockets[name] = socket;
                // a and b hold the 1 GiB object; the other pullers only the broadcast one.
                string memory = name is "a" or "b" ? "1300M" : "300M";
                var output = new StringBuilder();
                nodes.Add((BenchProcesses.StartNode(output, "--redis", conn, "--node-id", name, "--memory", memory,
                                                    "--socket", socket, "--ttl", "5"), output));
                _nodes[name] = nodes[^1].Process;
            }
            await Task.WhenAll(nodes.Select((n, i) => WaitRegisteredAsync(n.Process, n.Output, i == 0 ? "a" : Pullers[i - 1])));
            _redis = conn;
            _cluster = await PlasmaCluster.ConnectAsync(conn);

            var source = new byte[1L << 30];
            new Random(16).NextBytes(source);
            var target = new byte[source.Length];
            target.AsSpan().Fill(1); // prefaulted, as the store's pages are after its first put

            await TransfersAsync("100mib", 100 * MiB, quick ? 3 : 5, source, target);
            await TransfersAsync("1gib", 1L << 30, quick ? 1 : 3, source, target);
            await RemoteGetLatencyAsync(quick ? 200 : 1000, source);
            // Every puller's store pages touched and its pull path warm (JIT, channel), as b's
            // are by the untimed first transfers: otherwise the first sequential pull per node
            // would time page faults and start-up.
            await WarmPullersAsync(256 * MiB, source);
            await BroadcastAsync(256 * MiB, quick ? 1 : 3, source);
            _result["cluster.transfer.load_average_end"] = LoadAverage();
            return _result;
        }
        finally
        {
            if (_cluster is not null) await _cluster.DisposeAsync();
            await Task.WhenAll(nodes.Select(n => Task.Run(() => BenchProcesses.Stop(n.Process))));
            BenchProcesses.Stop(redis);
            Directory.Delete(temp, recursive: true);
        }
    }

    private static async Task WaitRegisteredAsync(Process node, StringBuilder output, string name)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            lock (output) if (output.ToString().Contains($"registered node {name} and published", StringComparison.Ordinal)) return;
            if (node.HasExited || clock.Elapsed > TimeSpan.FromSeconds(90))
                lock (output) throw new InvalidOperationException($"node {name} did not register:\n{output}");
            await Task.Delay(50);
        }
    }

    /// <summary>a -> b, each run a fresh object, interleaved with the floor and the local costs.
    /// One untimed run first: it touches b's store pages and warms the pull path.</summary>
    private async Task TransfersAsync(string label, long size, int runs, byte[] source, byte[] target)
    {
        var transfer = new List<double>();
        var tcp = new List<double>();
        var check = new List<double>();
        var copy = new List<double>();
        var seal = new List<double>();
        var holderCpu = new List<double>();
        var pullerCpu = new List<double>();
        var tcpCpu = new List<double>();
        using var self = Process.GetCurrentProcess();
        for (int run = -1; run < runs; run++)
        {
            self.Refresh();
            TimeSpan selfBefore = self.TotalProcessorTime;
            double floor = TcpCopySeconds(source.AsMemory(0, (int)size), target);
            self.Refresh();
            double floorCpu = (self.TotalProcessorTime - selfBefore).TotalSeconds;
            ObjectId id = ObjectId.NewRandom();
            var (copied, hashed, sealedIn) = CreateCopySeal(_sockets["a"], id, source.AsSpan(0, (int)size));
            await WaitLocatedAsync(id, "a");
            TimeSpan holderBefore = Cpu("a"), pullerBefore = Cpu("b");
            double seconds = Seconds(() => GetOn("b", id));
            if (run >= 0) // the first run is the warm-up
            {
                transfer.Add(seconds);
                holderCpu.Add((Cpu("a") - holderBefore).TotalSeconds);
                pullerCpu.Add((Cpu("b") - pullerBefore).TotalSeconds);
                tcp.Add(floor);
                tcpCpu.Add(floorCpu);
                check.Add(hashed);
                copy.Add(copied);
                seal.Add(sealedIn);
            }
            DeleteEverywhere(id);
        }
        double t = Median(transfer), f = Median(tcp);
        _result[$"cluster.transfer.{label}.runs"] = runs;
        _result[$"cluster.transfer.{label}.gbps"] = Gbps(size, t);
        _result[$"cluster.transfer.{label}.ms"] = Ms(t);
        _result[$"cluster.tcp_copy.{label}.gbps"] = Gbps(size, f);
        _result[$"cluster.tcp_copy.{label}.ms"] = Ms(f);
        _result[$"cluster.tcp_copy.{label}.cpu_ms"] = Ms(Median(tcpCpu));
        _result[$"cluster.transfer.{label}.digest_check_1thread_ms"] = Ms(Median(check));
        _result[$"cluster.transfer.{label}.store_copy_ms"] = Ms(Median(copy));
        _result[$"cluster.transfer.{label}.store_seal_ms"] = Ms(Median(seal));
        _result[$"cluster.transfer.{label}.holder_cpu_ms"] = Ms(Median(holderCpu));
        _result[$"cluster.transfer.{label}.puller_cpu_ms"] = Ms(Median(pullerCpu));
    }

    /// <summary>The puller's store work without the network, on a's store, the way ObjectPuller does
    /// it: Create, then per 1 MiB piece (the gRPC chunk) copy it in (timed: copy) and feed the copy,
    /// still in cache, to the native streaming digest on this one thread (timed: digest, with its
    /// final value), then Seal with that digest (timed: nothing is hashed again; the store's seal).
    /// Returns (copy, digest, seal) seconds.</summary>
    private static unsafe (double Copy, double Digest, double Seal) CreateCopySeal(string socket, ObjectId id, ReadOnlySpan<byte> data)
    {
        const int piece = 1 << 20;
        using var client = PlasmaClient.Connect(socket);
        using WritablePlasmaObject created = client.Create(id, data.Length);
        using var digest = new StreamingDigest(data.Length);
        byte* target = (byte*)created.DangerousGetDataPointer();
        long copyTicks = 0, digestTicks = 0;
        for (int offset = 0; offset < data.Length; offset += piece)
        {
            int n = Math.Min(piece, data.Length - offset);
            long start = Stopwatch.GetTimestamp();
            data.Slice(offset, n).CopyTo(new Span<byte>(target + offset, n));
            long copied = Stopwatch.GetTimestamp();
            digest.Update(target + offset, n);
            copyTicks += copied - start;
            digestTicks += Stopwatch.GetTimestamp() - copied;
        }
        long valueStart = Stopwatch.GetTimestamp();
        digest.Value(created.Metadata.Span);
        digestTicks += Stopwatch.GetTimestamp() - valueStart;
        long sealStart = Stopwatch.GetTimestamp();
        created.SealWith(digest);
        double seal = Stopwatch.GetElapsedTime(sealStart).TotalSeconds;
        return (copyTicks / (double)Stopwatch.Frequency, digestTicks / (double)Stopwatch.Frequency, seal);
    }

    private TimeSpan Cpu(string node)
    {
        _nodes[node].Refresh();
        return _nodes[node].TotalProcessorTime;
    }

    /// <summary>The floor: the same bytes over a plain loopback TCP connection (one sending thread,
    /// one receiving thread, both in this process) into a prefaulted buffer; connection set up untimed.</summary>
    private static double TcpCopySeconds(ReadOnlyMemory<byte> data, byte[] target)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        sender.Connect(listener.LocalEndPoint!);
        using Socket receiver = listener.Accept();
        long start = Stopwatch.GetTimestamp();
        var send = Task.Run(() =>
        {
            for (int sent = 0; sent < data.Length;) sent += sender.Send(data.Span[sent..]);
        });
        for (int got = 0; got < data.Length;)
        {
            int n = receiver.Receive(target.AsSpan(got, data.Length - got));
            if (n == 0) throw new IOException("the floor's sender closed early");
            got += n;
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        send.GetAwaiter().GetResult();
        return seconds;
    }

    /// <summary>1 KiB objects on a, each read once through b (a pull per Get) next to a local Get of
    /// the same objects on a.</summary>
    private async Task RemoteGetLatencyAsync(int calls, byte[] source)
    {
        ObjectId[] ids = Enumerable.Range(0, 2 * calls + 40).Select(_ => ObjectId.NewRandom()).ToArray();
        using (var a = PlasmaClient.Connect(_sockets["a"]))
            a.PutBatch(ids.Select((id, i) => new PlasmaPutItem(id, source.AsMemory(i * 1024, 1024))).ToArray());
        await WaitLocatedAsync(ids[^1], "a");
        await WaitLocatedAsync(ids[0], "a");
        using var b = PlasmaClient.Connect(_sockets["b"]);
        using var local = PlasmaClient.Connect(_sockets["a"]);
        for (int i = 0; i < 20; i++) GetOnce(b, ids[calls + i], TimeSpan.FromSeconds(10)); // warm-up: channels, JIT
        double[] remote = Sorted(ids[..calls].Select(id => Seconds(() => GetOnce(b, id, TimeSpan.FromSeconds(10)))));
        double[] near = Sorted(ids[..calls].Select(id => Seconds(() => GetOnce(local, id, TimeSpan.Zero))));
        // The explicit API: PlasmaCluster.GetAsync pulls into b's store from this process, without
        // the store -> node agent notice a plain Get goes through.
        ObjectId[] more = ids[(calls + 20)..];
        await using PlasmaCluster puller = await PlasmaCluster.ConnectAsync(_redis, new PlasmaClusterOptions { StoreSocket = _sockets["b"] });
        var explicitGet = new double[calls];
        for (int i = -20; i < calls; i++)
        {
            long start = Stopwatch.GetTimestamp();
            using (PlasmaObject? got = await puller.GetAsync(more[i + 20], TimeSpan.FromSeconds(10)))
                if (got is null) throw new TimeoutException("GetAsync returned nothing");
            if (i >= 0) explicitGet[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(explicitGet);
        // The directory look-up each pull starts with, on the same objects.
        var locate = new double[Math.Min(calls, 200)];
        for (int i = 0; i < locate.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await _cluster!.LocateAsync(ids[i]);
            locate[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(locate);
        _result["cluster.remote_get.1kib.calls"] = calls;
        _result["cluster.remote_get.1kib.median_us"] = Us(remote[remote.Length / 2]);
        _result["cluster.remote_get.1kib.p99_us"] = Us(remote[Math.Min(remote.Length - 1, (int)(remote.Length * 0.99))]);
        _result["cluster.remote_get_async.1kib.median_us"] = Us(explicitGet[calls / 2]);
        _result["cluster.local_get.1kib.median_us"] = Us(near[near.Length / 2]);
        _result["cluster.remote_get.1kib.locate_median_us"] = Us(locate[locate.Length / 2]);
    }

    /// <summary>One 256 MiB object on a: 7 nodes one after another (each pull from a random sealed
    /// holder, so later ones may copy from earlier ones), then another object to the 7 at once.</summary>
    private async Task BroadcastAsync(long size, int rounds, byte[] source)
    {
        var sequential = new List<double>();
        var broadcast = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            ObjectId one = await PutOnAAsync(size, source);
            sequential.Add(Seconds(() => { foreach (string node in Pullers) GetOn(node, one); }));
            DeleteEverywhere(one);
            ObjectId all = await PutOnAAsync(size, source);
            long start = Stopwatch.GetTimestamp();
            await Task.WhenAll(Pullers.Select(node => Task.Run(() => GetOn(node, all))));
            broadcast.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            DeleteEverywhere(all);
        }
        string label = $"{size / MiB}mib";
        _result[$"cluster.broadcast_7.{label}.rounds"] = rounds;
        _result[$"cluster.broadcast_7.{label}.ms"] = Ms(Median(broadcast));
        _result[$"cluster.sequential_7.{label}.ms"] = Ms(Median(sequential));
    }

    private async Task WarmPullersAsync(long size, byte[] source)
    {
        ObjectId id = await PutOnAAsync(size, source);
        await Task.WhenAll(Pullers.Select(node => Task.Run(() => GetOn(node, id))));
        DeleteEverywhere(id);
    }

    private async Task<ObjectId> PutOnAAsync(long size, byte[] source)
    {
        ObjectId id = ObjectId.NewRandom();
        using (var a = PlasmaClient.Connect(_sockets["a"])) a.Put(id, source.AsSpan(0, (int)size));
        await WaitLocatedAsync(id, "a");
        return id;
    }

    /// <summary>Waits until the directory lists <paramref name="node"/> as a holder, so no timed Get
    /// includes the holder's publish.</summary>
    private async Task WaitLocatedAsync(ObjectId id, string node)
    {
        var clock = Stopwatch.StartNew();
        while (!(await _cluster!.LocateAsync(id)).Any(l => l.NodeId == node))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"{id} was not published by {node}");
            await Task.Delay(5);
        }
    }

    /// <summary>A plain Get on <paramref name="node"/>'s store: the node pulls the object and the Get
    /// returns when it is sealed there. A miss fails the bench (it would time a cheaper path).</summary>
    private void GetOn(string node, ObjectId id)
    {
        using var client = PlasmaClient.Connect(_sockets[node]);
        GetOnce(client, id, TimeSpan.FromSeconds(120));
    }

    private static void GetOnce(PlasmaClient client, ObjectId id, TimeSpan timeout)
    {
        using PlasmaObject got = client.Get(id, timeout) ?? throw new TimeoutException($"Get of {id} returned nothing");
    }

    private void DeleteEverywhere(ObjectId id)
    {
        foreach (string socket in _sockets.Values)
        {
            using var client = PlasmaClient.Connect(socket);
            client.Delete(id); // not-found on nodes that never pulled it
        }
    }

    /// <summary>The 1-minute load average (Linux), or -1 where /proc/loadavg is absent.</summary>
    private static double LoadAverage() =>
        File.Exists("/proc/loadavg")
            ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)
            : -1;

    private static double Seconds(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static double[] Sorted(IEnumerable<double> values)
    {
        double[] sorted = values.ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    private static double Median(List<double> values) => Sorted(values)[values.Count / 2];

    private static double Gbps(long bytes, double seconds) => Math.Round(bytes / seconds / 1e9, 3);

    private static double Ms(double seconds) => Math.Round(seconds * 1e3, 1);

    private static double Us(double seconds) => Math.Round(seconds * 1e6, 1);
}
