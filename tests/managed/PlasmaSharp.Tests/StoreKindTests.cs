namespace PlasmaSharp.Tests;

/// <summary>Guards the two-store setup itself: a Real row that silently ran our store again would
/// make every Real result meaningless.</summary>
public class StoreKindTests
{
    [Theory, OurStore, RealStore]
    public async Task Each_kind_runs_its_own_store_binary(StoreKind store)
    {
        await using PlasmaStore running = await TestStores.StartAsync(store, 1 << 20);
        string executable = Path.GetFullPath(new FileInfo($"/proc/{running.ProcessId}/exe").ResolveLinkTarget(true)!.FullName);
        string expected = store == StoreKind.Ours
            ? PlasmaStore.FindExecutable()
            : Path.Combine(Environment.GetEnvironmentVariable("ARROW11_HOME")!, "bin", "plasma-store-server");
        Assert.Equal(new FileInfo(expected).ResolveLinkTarget(true)?.FullName ?? Path.GetFullPath(expected), executable);
        using PlasmaClient client = PlasmaClient.Connect(running.SocketPath);
        Assert.Equal(1 << 20, client.Capacity);
    }
}
