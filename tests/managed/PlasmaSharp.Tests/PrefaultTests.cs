namespace PlasmaSharp.Tests;

/// <summary>PlasmaStoreOptions.Prefault (plasma-store --prefault): the store accepts connections at
/// once while it populates its segment in the background, says when it is done, and then serves
/// as usual, empty.</summary>
public class PrefaultTests
{
    [Fact]
    public async Task A_prefaulted_store_answers_at_once_populates_its_memory_and_starts_empty()
    {
        const long capacity = 64L << 20;
        await using PlasmaStore store = await PlasmaStore.StartAsync(capacity, new PlasmaStoreOptions { Prefault = true });
        using (PlasmaClient client = PlasmaClient.Connect(store.SocketPath))
        {
            Assert.Empty(client.List());
            Assert.True(TestData.Eventually(() => store.Output.Contains("prefaulted", StringComparison.Ordinal)),
                $"no 'prefaulted' line from the store: {store.Output}");
            Assert.DoesNotContain("prefault failed", store.Output, StringComparison.Ordinal);
            ObjectId id = ObjectId.NewRandom();
            client.Put(id, new byte[capacity * 9 / 10]);
            Assert.Equal(capacity * 9 / 10, client.GetStoreStats().BytesUsed);
        }
    }

    [Fact]
    public void An_in_process_store_cannot_prefault_and_says_so()
    {
        var e = Assert.Throws<ArgumentException>(() => PlasmaStore.StartInProcess(1 << 20, new PlasmaStoreOptions { Prefault = true }));
        Assert.Contains("StartAsync", e.Message, StringComparison.Ordinal);
    }
}
