using System.Diagnostics;

namespace PlasmaSharp.Tests;

public class ZeroCopyTests : IClassFixture<StoreFixture>
{
    private readonly StoreFixture _stores;

    public ZeroCopyTests(StoreFixture stores) => _stores = stores;

    [Theory, OurStore, RealStore]
    public unsafe void Get_data_lies_inside_the_mapped_segment(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, TestData.Bytes(4096));
        using PlasmaObject obj = client.Get(id, TimeSpan.Zero)!;
        ObjectMapping m = obj.Mapping;
        byte* data = (byte*)obj.DangerousGetDataPointer();
        Assert.True(data >= m.SegmentBase && data + obj.DataLength <= m.SegmentBase + m.SegmentLength);
        fixed (byte* spanStart = obj.Data.Span) Assert.True(spanStart == data);
        Assert.Equal(0, (long)data % 64); // Plasma allocations are 64-byte aligned
    }

    [Theory, OurStore, RealStore]
    public unsafe void Two_Gets_of_one_object_share_one_address(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, TestData.Bytes(100));
        using PlasmaObject a = client.Get(id, TimeSpan.Zero)!;
        using PlasmaObject b = client.Get(id, TimeSpan.Zero)!;
        Assert.Equal(a.DangerousGetDataPointer(), b.DangerousGetDataPointer());
        fixed (byte* pa = a.Data.Span)
        fixed (byte* pb = b.Data.Span)
            Assert.True(pa == pb);
    }

    [Theory, OurStore, RealStore]
    public void Writes_through_Create_memory_are_what_readers_see(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        using WritablePlasmaObject w = client.Create(id, 8);
        w.Data.Span.Fill(0x5a);
        w.Seal();
        using PlasmaObject r = client.Get(id, TimeSpan.Zero)!;
        Assert.Equal(w.DangerousGetDataPointer(), r.DangerousGetDataPointer()); // same client, same mapping
        Assert.All(r.Data.ToArray(), b => Assert.Equal(0x5a, b));
    }

    [Theory, OurStore, RealStore]
    public async Task A_second_process_waits_for_the_seal_and_reads_the_first_process_bytes(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        byte[] payload = TestData.Bytes(200, 7);
        using WritablePlasmaObject created = client.Create(id, payload.Length);

        string peerDll = Path.Combine(AppContext.BaseDirectory, "PlasmaSharp.TestPeer.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { peerDll, _stores.SocketPath(store), id.ToString(), "60000" }) start.ArgumentList.Add(arg);
        using Process peer = Process.Start(start)!;
        Task<string> stderr = peer.StandardError.ReadToEndAsync();

        string? first = await peer.StandardOutput.ReadLineAsync();
        if (first != "WAITING") Assert.Fail($"peer said '{first}', stderr: {await stderr}");
        await Task.Delay(300); // let its Get reach the store
        if (peer.HasExited) // it must still be waiting: the object is unsealed
            Assert.Fail($"peer exited early ({peer.ExitCode}): {await peer.StandardOutput.ReadToEndAsync()} / {await stderr}");

        payload.CopyTo(created.Span);
        created.Seal();

        string? second = await peer.StandardOutput.ReadLineAsync();
        await peer.WaitForExitAsync();
        Assert.Equal("GOT " + Convert.ToHexStringLower(payload), second);
        Assert.Equal(0, peer.ExitCode);
    }
}
