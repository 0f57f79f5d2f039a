namespace PlasmaSharp.Tests;

/// <summary>PlasmaStoreOptions.ExternalStore with <c>file://</c> (plasma-store -e file://DIR, issue 17):
/// filling a store past its capacity spills objects to files instead of dropping them; every object
/// reads back with its own bytes, and the store's stats say what was spilled and restored. With
/// SpillKeep the spilled objects survive a restart.</summary>
public sealed class SpillTests : IDisposable
{
    private const long Capacity = 8L << 20;
    private const int ObjectBytes = 1 << 20;
    private const int Objects = 20;  // 2.5x the capacity
    private readonly string _spillDir = Directory.CreateTempSubdirectory("plasmasharp-spill-").FullName;

    public void Dispose() => Directory.Delete(_spillDir, recursive: true);

    private static byte[] DataOf(int i)
    {
        var bytes = new byte[ObjectBytes];
        new Random(i).NextBytes(bytes);
        return bytes;
    }

    private static ObjectId IdOf(int i)
    {
        var raw = new byte[ObjectId.Size];
        raw[0] = 0x5f;
        BitConverter.TryWriteBytes(raw.AsSpan(1), i);
        return ObjectId.FromBytes(raw);
    }

    private PlasmaStoreOptions Options(bool keep = false) => new() { ExternalStore = "file://" + _spillDir, SpillKeep = keep };

    private static void ReadEveryObjectBack(PlasmaClient client)
    {
        for (int i = 0; i < Objects; i++)
        {
            using PlasmaObject? o = client.Get(IdOf(i), TimeSpan.Zero);
            Assert.True(o is not null, $"object {i} was lost");
            Assert.True(o.Data.Span.SequenceEqual(DataOf(i)), $"object {i} came back with other bytes");
        }
    }

    [Fact]
    public async Task Filling_past_capacity_spills_to_files_and_every_object_reads_back()
    {
        await using PlasmaStore store = await PlasmaStore.StartAsync(Capacity, Options());
        using PlasmaClient client = PlasmaClient.Connect(store.SocketPath);
        for (int i = 0; i < Objects; i++) client.Put(IdOf(i), DataOf(i));

        Assert.Equal(Objects, client.List().Count);
        // List marks what is spilled (our store's extra ObjectInfo field): as many as the stats say.
        Assert.True(TestData.Eventually(() => client.List().Count(o => o.IsSpilled) == client.GetStoreStats().SpilledObjects),
            $"listed as spilled: {client.List().Count(o => o.IsSpilled)}, stats: {client.GetStoreStats()}");
        Assert.All(client.List(), o => Assert.True(o.IsSealed));
        Assert.NotEmpty(Directory.GetFiles(_spillDir, "spill-*.bin"));
        Assert.True(TestData.Eventually(() => client.GetStoreStats().SpilledObjects >= Objects / 2),
            $"too few spilled: {client.GetStoreStats()}");
        ReadEveryObjectBack(client);
        PlasmaStoreStats stats = client.GetStoreStats();
        Assert.True(stats.Restores >= Objects / 2, $"restores: {stats}");
        Assert.True(stats.SpilledBytes > 0, $"spilled bytes: {stats}");
    }

    [Fact]
    public async Task With_SpillKeep_the_spilled_objects_are_back_after_a_restart()
    {
        var spilled = new List<int>();
        await using (PlasmaStore store = await PlasmaStore.StartAsync(Capacity, Options(keep: true)))
        {
            using PlasmaClient client = PlasmaClient.Connect(store.SocketPath);
            for (int i = 0; i < Objects; i++) client.Put(IdOf(i), DataOf(i));
            Assert.True(TestData.Eventually(() => client.GetStoreStats().SpilledObjects >= Objects / 2));
        }
        await using (PlasmaStore store = await PlasmaStore.StartAsync(Capacity, Options(keep: true)))
        {
            using PlasmaClient client = PlasmaClient.Connect(store.SocketPath);
            for (int i = 0; i < Objects; i++)
                if (client.Contains(IdOf(i))) spilled.Add(i);
            Assert.True(spilled.Count >= Objects / 2, $"only {spilled.Count} objects came back");
            Assert.Equal(spilled.Count, client.GetStoreStats().SpilledObjects);
            foreach (int i in spilled)
            {
                using PlasmaObject? o = client.Get(IdOf(i), TimeSpan.Zero);
                Assert.True(o is not null && o.Data.Span.SequenceEqual(DataOf(i)), $"object {i}");
            }
        }
    }

    [Fact]
    public async Task A_store_without_an_external_store_reports_no_spill_figures()
    {
        await using PlasmaStore store = await PlasmaStore.StartAsync(Capacity);
        using PlasmaClient client = PlasmaClient.Connect(store.SocketPath);
        PlasmaStoreStats stats = client.GetStoreStats();
        Assert.Null(stats.SpilledObjects);
        Assert.Null(stats.Restores);
    }

    [Fact]
    public void An_in_process_store_cannot_spill_and_says_so()
    {
        var e = Assert.Throws<ArgumentException>(() => PlasmaStore.StartInProcess(1 << 20, Options()));
        Assert.Contains("StartAsync", e.Message, StringComparison.Ordinal);
    }
}
