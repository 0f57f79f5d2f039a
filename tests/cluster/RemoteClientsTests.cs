using System.Diagnostics;
using PlasmaSharp.TestSupport;

namespace PlasmaSharp.Cluster.Tests;

/// <summary>Clients in other languages, unchanged, read on node B objects put on node A: the
/// cross-language programs of tests/crosslang (same command line: put-raw / get-raw SOCKET SEED
/// METADATA ...) run as separate processes against B's store, whose node pulls the objects.</summary>
[Collection(ClusterSuite.Name)]
public sealed class RemoteClientsTests : ClusterTestBase
{
    private const int Seed = 7;
    private static readonly string Metadata = Convert.ToHexStringLower("cluster raw"u8);
    private static readonly long[] Sizes = [7, 1000003, (16 << 20) + 3]; // the last, local one big enough that reading it outlasts a release

    internal static string Repo
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (Directory.Exists(Path.Combine(dir.FullName, "tests", "crosslang"))) return dir.FullName;
            throw new InvalidOperationException("the repository (tests/crosslang) is not above " + AppContext.BaseDirectory);
        }
    }

    internal static string Crosslang(string path) => Path.Combine(Repo, "tests", "crosslang", path);

    private static string NativeLibrary => Directory.GetFiles(AppContext.BaseDirectory, "libplasmasharp_native.so", SearchOption.AllDirectories)[0];

    private static (int Code, string Out, string Error) Run(string program, params string[] args) => Run(TimeSpan.FromSeconds(120), program, args);

    private static (int Code, string Out, string Error) Run(TimeSpan timeout, string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment["PLASMASHARP_NATIVE_LIB"] = NativeLibrary;
        using Process p = Process.Start(start)!;
        Task<string> output = p.StandardOutput.ReadToEndAsync(), error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout)) p.Kill(entireProcessTree: true);
        p.WaitForExit();
        return (p.ExitCode, output.Result, error.Result);
    }

    private static string[] PutRaw(string socket, int seed, IEnumerable<long> sizes)
    {
        var (code, output, error) = Run("python3", [Crosslang("python/crosslang.py"), "put-raw", socket, seed.ToString(), Metadata, .. sizes.Select(s => s.ToString())]);
        Assert.True(code == 0, error);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Two objects put on A (the reader's Gets on B wait for them, and B's node pulls them),
    /// and a last one put on B itself. Why the last is local: a reader deletes every object right
    /// after reading the last one, and the pulling node releases its creation reference about a
    /// millisecond after the Seal that woke the Get — as any local producer does — so a delete that
    /// fast would find the last pulled object still in use (ObjectInUse, which the readers count as a failure).</summary>
    private async Task<(NodeProcess A, NodeProcess B, string[] Remote)> ClusterWithObjectsAsync()
    {
        NodeProcess[] nodes = await StartNodesAsync("a", "b");
        string[] remote = PutRaw(nodes[0].StoreSocket!, Seed, Sizes[..^1]);
        foreach (string hex in remote)
            await WaitUntilAsync(() => IsOnAsync(ObjectId.Parse(hex), "a"), TimeSpan.FromSeconds(5), "objects on a");
        return (nodes[0], nodes[1], remote);
    }

    /// <summary>Puts the last, local object on B (each reader deletes what it read), then runs the
    /// reader on B; it checks every byte and deletes B's copies, so each reader pulls anew.</summary>
    private static void ReadOnB(NodeProcess b, string[] remote, string program, params string[] prefix)
    {
        string[] local = PutRaw(b.StoreSocket!, Seed + Sizes.Length - 1, Sizes[^1..]);
        string[] specs = Sizes.Zip(remote.Concat(local), (s, id) => $"{s}={id}").ToArray();
        var (code, output, error) = Run(program, [.. prefix, "get-raw", b.StoreSocket!, Seed.ToString(), Metadata, .. specs]);
        Assert.True(code == 0, $"{program} {string.Join(' ', prefix)}: exit {code}\n{output}\n{error}");
    }

    [Fact]
    public async Task Python_ctypes_and_cpp_c_abi_readers_on_b_get_objects_put_on_a()
    {
        var (_, b, remote) = await ClusterWithObjectsAsync();
        ReadOnB(b, remote, "python3", Crosslang("python/crosslang.py"));

        string reader = Path.Combine(TempDir, "crosslang-cpp");
        string nativeDir = Path.GetDirectoryName(NativeLibrary)!;
        // The build lock is shared with every other build of the tree: waiting for it may take minutes.
        var (code, _, error) = Run(TimeSpan.FromMinutes(10), "flock", ["/tmp/plasmasharp-build.lock", "g++", "-std=c++17", "-O2", $"-I{Path.Combine(Repo, "native", "include")}",
            Crosslang("cpp/crosslang.cc"), $"-L{nativeDir}", $"-Wl,-rpath,{nativeDir}", "-lplasmasharp_native", "-o", reader]);
        Assert.True(code == 0, $"g++ exited {code}: {error}");
        ReadOnB(b, remote, reader);
    }

    [NodeModulesFact]
    public async Task A_node_reader_on_b_gets_objects_put_on_a()
    {
        var (_, b, remote) = await ClusterWithObjectsAsync();
        ReadOnB(b, remote, "node", Crosslang("node/crosslang.js"));
    }

    [PyarrowPlasmaFact]
    public async Task A_pyarrow_plasma_11_reader_on_b_gets_objects_put_on_a()
    {
        var (_, b, remote) = await ClusterWithObjectsAsync();
        ReadOnB(b, remote, Arrow11Environment.PathOf("python3"), Crosslang("python/crosslang.py"), "--pyarrow");
    }
}

/// <summary>Needs the Node packages of tests/crosslang (koffi): skipped, with the reason, until they are installed (tests/crosslang/node/install.sh, which the test command runs first).</summary>
public sealed class NodeModulesFactAttribute : FactAttribute
{
    public NodeModulesFactAttribute()
    {
        if (!Directory.Exists(RemoteClientsTests.Crosslang("node/node_modules/koffi")))
            Skip = "tests/crosslang/node/node_modules is not installed (tests/crosslang/node/install.sh runs npm ci from the lock file; the test command runs it before any suite)";
    }
}

/// <summary>Needs pyarrow.plasma 11 (../shared/arrow11): skipped, with the reason, where it is absent.</summary>
public sealed class PyarrowPlasmaFactAttribute : FactAttribute
{
    public PyarrowPlasmaFactAttribute()
    {
        if (Arrow11Environment.SkipReason("pyarrow.plasma 11", "python3") is { } reason) Skip = reason;
    }
}
