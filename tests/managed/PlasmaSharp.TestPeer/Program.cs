// Usage: PlasmaSharp.TestPeer <socket> <object-id-hex> <timeout-ms>
//   Prints "WAITING" once connected (right before Get), then "GOT <data-hex>" or "NONE".
// Usage: PlasmaSharp.TestPeer leak <socket> <object-id-hex>
//   Gets the (sealed) object, forgets it, collects garbage until the store saw it released, then prints
//   "LEAK <type>" plus the creation stack for each PlasmaDiagnostics.LeakDetected report, or "NO LEAK REPORTED".
//   Leak tracking is whatever PLASMASHARP_TRACK_LEAKS in this process's environment says.
// Usage: PlasmaSharp.TestPeer store
//   Starts a store with PlasmaStore's defaults, prints "STORE <pid> <socket>" and waits to be killed.
using System.Runtime.CompilerServices;
using PlasmaSharp;

if (args.Length == 1 && args[0] == "store")
{
    PlasmaStore store = await PlasmaStore.StartAsync(1 << 20);
    Console.WriteLine($"STORE {store.ProcessId} {store.SocketPath}");
    Console.Out.Flush();
    await Task.Delay(Timeout.Infinite);
}

if (args.Length == 3 && args[0] == "leak") return LeakPeer.Run(args[1], ObjectId.Parse(args[2]));
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: PlasmaSharp.TestPeer <socket> <object-id-hex> <timeout-ms> | leak <socket> <object-id-hex>");
    return 2;
}
using PlasmaClient client = PlasmaClient.Connect(args[0]);
ObjectId id = ObjectId.Parse(args[1]);
Console.WriteLine("WAITING");
Console.Out.Flush();
using PlasmaObject? obj = client.Get(id, TimeSpan.FromMilliseconds(long.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture)));
Console.WriteLine(obj is null ? "NONE" : "GOT " + Convert.ToHexStringLower(obj.Data.Span));
return 0;

internal static class LeakPeer
{
    public static int Run(string socket, ObjectId id)
    {
        var reports = new System.Collections.Concurrent.ConcurrentQueue<PlasmaLeakEventArgs>();
        PlasmaDiagnostics.LeakDetected += (_, e) => reports.Enqueue(e);
        using PlasmaClient client = PlasmaClient.Connect(socket);
        LeakOneObject(client, id);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // The report (if any) is raised before the release is queued: once the store saw the release, it came.
        while (client.List().Single(i => i.Id == id).RefCount != 0)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                Console.WriteLine("NOT RELEASED");
                return 1;
            }
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(10);
        }
        if (reports.IsEmpty) Console.WriteLine("NO LEAK REPORTED");
        foreach (PlasmaLeakEventArgs leak in reports) Console.WriteLine($"LEAK {leak.ResourceType.Name}{Environment.NewLine}{leak.CreationStackTrace}");
        return 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LeakOneObject(PlasmaClient client, ObjectId id)
    {
        if (client.Get(id, TimeSpan.Zero) is null) throw new InvalidOperationException($"object {id} is not in the store");
    }
}
