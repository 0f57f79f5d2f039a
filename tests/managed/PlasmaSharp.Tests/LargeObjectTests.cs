using PlasmaSharp.Arrow;

namespace PlasmaSharp.Tests;

public class ChunkedAccessTests : IClassFixture<StoreFixture>
{
    private readonly StoreFixture _stores;

    public ChunkedAccessTests(StoreFixture stores) => _stores = stores;

    [Theory, OurStore, RealStore]
    public void Chunks_cover_every_byte_in_order_without_copying(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        byte[] data = TestData.Bytes(10_000, 3);
        using (WritablePlasmaObject w = client.Create(id, data.Length))
        {
            int offset = 0;
            foreach (Memory<byte> chunk in w.GetDataChunks(4096))
            {
                data.AsSpan(offset, chunk.Length).CopyTo(chunk.Span);
                offset += chunk.Length;
            }
            Assert.Equal(data.Length, offset);
            w.Seal();
        }
        using PlasmaObject obj = client.Get(id, TimeSpan.Zero)!;
        var chunks = obj.GetDataChunks(4096).ToList();
        Assert.Equal([4096, 4096, 1808], chunks.Select(c => c.Length));
        nint start = obj.DangerousGetDataPointer();
        long expectedOffset = 0;
        foreach (ReadOnlyMemory<byte> chunk in chunks)
        {
            unsafe
            {
                fixed (byte* p = chunk.Span) Assert.Equal(start + (nint)expectedOffset, (nint)p);
            }
            expectedOffset += chunk.Length;
        }
        Assert.Equal(data, chunks.SelectMany(c => c.ToArray()).ToArray());
    }

    [Theory, OurStore, RealStore]
    public void Streams_read_and_write_the_object_in_place(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        byte[] data = TestData.Bytes(5000, 4);
        using (WritablePlasmaObject w = client.Create(id, data.Length))
        {
            using (Stream s = w.OpenDataStream()) s.Write(data);
            w.Seal();
        }
        using PlasmaObject obj = client.Get(id, TimeSpan.Zero)!;
        using Stream r = obj.OpenDataStream();
        Assert.False(r.CanWrite);
        Assert.Equal(data.Length, r.Length);
        var copy = new MemoryStream();
        r.CopyTo(copy);
        Assert.Equal(data, copy.ToArray());
    }
}

/// <summary>A real object above 2 GiB (sparse in /dev/shm: only touched pages use memory).</summary>
public class ObjectsOver2GiBTests
{
    private const long Capacity = (11L << 30) / 4; // 2.75 GiB
    private const long Size = (5L << 30) / 2; // 2.5 GiB

    [Theory, OurStore, RealStore]
    public async Task A_2_5_GiB_object_is_reachable_through_chunks_streams_and_pointers_but_not_Memory(StoreKind store)
    {
        await using PlasmaStore running = await TestStores.StartAsync(store, Capacity);
        using PlasmaClient client = PlasmaClient.Connect(running.SocketPath);
        ObjectId id = ObjectId.NewRandom();
        using (WritablePlasmaObject w = client.Create(id, Size))
        {
            Assert.Throws<InvalidOperationException>(() => w.Data);
            // Mark the first and last byte of every 1 GiB chunk.
            int index = 0;
            foreach (Memory<byte> chunk in w.GetDataChunks())
            {
                chunk.Span[0] = (byte)(index + 1);
                chunk.Span[^1] = (byte)(index + 101);
                index++;
            }
            Assert.Equal(3, index);
            using (Stream s = w.OpenDataStream())
            {
                s.Seek(Size - 1, SeekOrigin.Begin);
                s.WriteByte(0xee); // overwrites the last chunk's end marker through the stream
            }
            w.Seal();
        }

        using PlasmaObject obj = client.Get(id, TimeSpan.Zero)!;
        Assert.Equal(Size, obj.DataLength);
        var e = Assert.Throws<InvalidOperationException>(() => obj.Data);
        Assert.Contains("GetDataChunks", e.Message);
        var chunks = obj.GetDataChunks().ToList();
        Assert.Equal([1 << 30, 1 << 30, (int)(Size - (2L << 30))], chunks.Select(c => c.Length));
        Assert.Equal(1, chunks[0].Span[0]);
        Assert.Equal(101, chunks[0].Span[^1]);
        Assert.Equal(2, chunks[1].Span[0]);
        Assert.Equal(3, chunks[2].Span[0]);
        Assert.Equal(0xee, chunks[2].Span[^1]);
        unsafe
        {
            byte* p = (byte*)obj.DangerousGetDataPointer();
            Assert.Equal(0xee, p[Size - 1]);
        }
        using (Stream r = obj.OpenDataStream())
        {
            r.Seek((1L << 30) - 1, SeekOrigin.Begin);
            Assert.Equal(101, r.ReadByte());
            Assert.Equal(2, r.ReadByte());
        }
        // An Arrow reader over memory cannot take it: a clear error, not a silent copy.
        var arrow = Assert.Throws<NotSupportedException>(() => obj.ReadRecordBatches());
        Assert.Contains("2 GiB", arrow.Message);
        obj.Dispose();
        Assert.Equal(DeleteResult.Deleted, client.Delete(id));
    }
}
