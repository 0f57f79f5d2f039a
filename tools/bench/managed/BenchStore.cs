using PlasmaSharp;

namespace PlasmaSharp.Bench;

/// <summary>The store every C# figure talks to: the one given with --store-socket (env
/// PLASMA_BENCH_SOCKET, set by Program), or a plasma-store this process starts once and stops at
/// the end. Benchmarks run in this process (in-process toolchain), so they all share it.</summary>
public static class BenchStore
{
    private static readonly object Gate = new();
    private static PlasmaStore? _started;
    private static string? _socket;
    private static long _counter;
    private static readonly long Prefix = Random.Shared.NextInt64();

    /// <summary>True for quick mode (fewer sizes, short jobs).</summary>
    public static bool Quick => Environment.GetEnvironmentVariable("PLASMA_BENCH_MODE") != "full";

    /// <summary>Store capacity for a store started here: room for a 1 GiB object and its batch twin.</summary>
    public const long Capacity = 3L << 30;

    public static string SocketPath
    {
        get
        {
            lock (Gate)
            {
                if (_socket is not null) return _socket;
                string? given = Environment.GetEnvironmentVariable("PLASMA_BENCH_SOCKET");
                if (!string.IsNullOrEmpty(given)) return _socket = given;
                var options = new PlasmaStoreOptions
                {
                    ExecutablePath = Environment.GetEnvironmentVariable("PLASMA_BENCH_STORE_EXE"),
                };
                _started = PlasmaStore.StartAsync(Capacity, options).GetAwaiter().GetResult();
                return _socket = _started.SocketPath;
            }
        }
    }

    public static PlasmaClient Connect() => PlasmaClient.Connect(SocketPath);

    /// <summary>Ids unique across runs and processes (random prefix + counter), no allocation.</summary>
    public static ObjectId NewId()
    {
        Span<byte> bytes = stackalloc byte[ObjectId.Size];
        bytes.Clear();
        BitConverter.TryWriteBytes(bytes, Prefix);
        BitConverter.TryWriteBytes(bytes[8..], Interlocked.Increment(ref _counter));
        BitConverter.TryWriteBytes(bytes[16..], Environment.ProcessId);
        return ObjectId.FromBytes(bytes);
    }

    /// <summary>Deletes objects created by a figure (best effort, in batches).</summary>
    public static void DeleteAll(PlasmaClient client, List<ObjectId> ids)
    {
        const int batch = 1000;
        for (int i = 0; i < ids.Count; i += batch)
            client.Delete(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ids).Slice(i, Math.Min(batch, ids.Count - i)));
        ids.Clear();
    }

    public static void Stop()
    {
        lock (Gate)
        {
            _started?.Dispose();
            _started = null;
        }
    }
}
