using Apache.Arrow;
using Apache.Arrow.Ipc;
using PlasmaSharp;
using PlasmaSharp.CrossLang;

// The C# side of the cross-language tests. Commands and formats: tests/crosslang/README.md.
// Exit 0 = checks passed; otherwise "FAIL: why" on stderr and exit 1.
try
{
    if (args.Length < 2) throw new CheckFailed("usage: crosslang-csharp COMMAND SOCKET|FILE ARGS...");
    string[] rest = args[2..];
    switch (args[0])
    {
        case "emit-arrow": EmitArrow(args[1]); break;
        case "put-raw": PutRaw(args[1], rest); break;
        case "get-raw": GetRaw(args[1], rest); break;
        case "put-arrow": PutArrow(args[1]); break;
        case "get-arrow": GetArrow(args[1], rest); break;
        case "put-many": PutMany(args[1], int.Parse(rest[0])); break;
        case "get-many": GetMany(args[1], rest); break;
        case "put-stream": PutStream(args[1], rest); break;
        case "get-stream": GetStream(args[1], rest); break;
        default: throw new CheckFailed($"unknown command {args[0]}");
    }
    return 0;
}
catch (Exception e)
{
    string what = e is CheckFailed ? e.Message : $"{e.GetType().Name}: {e.Message}";
    Console.Error.WriteLine($"FAIL: {what}");
    if (e is not CheckFailed) Console.Error.WriteLine(e.StackTrace);
    return 1;
}

static void EmitArrow(string path)
{
    using RecordBatch batch = ReferenceBatch.Build();
    using var file = File.Create(path);
    using var writer = new ArrowStreamWriter(file, batch.Schema);
    writer.WriteRecordBatch(batch);
    writer.WriteEnd();
}

static void PutRaw(string socket, string[] rest)
{
    int seed = int.Parse(rest[0]);
    byte[] metadata = Convert.FromHexString(rest[1]);
    using var store = StoreAccess.Connect(socket);
    for (int index = 0; index < rest.Length - 2; index++)
    {
        long size = long.Parse(rest[index + 2]);
        ObjectId id = ObjectId.NewRandom();
        store.PutPattern(id, size, (seed + index) & 0xff, metadata);
        Console.WriteLine(id);
    }
}

static void GetRaw(string socket, string[] rest)
{
    int seed = int.Parse(rest[0]);
    byte[] metadata = Convert.FromHexString(rest[1]);
    using var store = StoreAccess.Connect(socket);
    var ids = new List<ObjectId>();
    for (int index = 0; index < rest.Length - 2; index++)
    {
        string[] parts = rest[index + 2].Split('=');
        ObjectId id = StoreAccess.ParseId(parts[1]);
        store.CheckPattern(id, long.Parse(parts[0]), (seed + index) & 0xff, metadata, StoreAccess.GetTimeout);
        ids.Add(id);
    }
    foreach (ObjectId id in ids) store.Delete(id);
}

static void PutArrow(string socket)
{
    using var store = StoreAccess.Connect(socket);
    using RecordBatch batch = ReferenceBatch.Build();
    ObjectId id = ObjectId.NewRandom();
    store.PutRecordBatch(id, batch);
    (long size, ulong digest) = store.SizeAndDigest(id);
    Console.WriteLine($"{id} {size} {digest:x16}");
}

static void GetArrow(string socket, string[] rest)
{
    ObjectId id = StoreAccess.ParseId(rest[0]);
    long size = long.Parse(rest[1]);
    string digest = rest[2];
    using var store = StoreAccess.Connect(socket);
    (long gotSize, ulong gotDigest, byte[] metadata) = store.SizeDigestMetadata(id);
    if (System.Text.Encoding.ASCII.GetString(metadata) != "RAW")
        throw new CheckFailed($"{id}: metadata {Convert.ToHexStringLower(metadata)}, expected RAW");
    if (gotSize != size) throw new CheckFailed($"{id}: size {gotSize}, writer said {size}");
    if ($"{gotDigest:x16}" != digest) throw new CheckFailed($"{id}: FNV-1a 64 {gotDigest:x16}, writer said {digest}");
    store.CheckRecordBatches(id);
    store.Delete(id);
}

static void PutMany(string socket, int count)
{
    using var store = StoreAccess.Connect(socket);
    var ids = new ObjectId[count];
    // Half through the batch path (one round trip), half through Put (CreateAndSeal).
    int batched = count / 2;
    store.PutManyBatch(ids, 0, batched);
    for (int k = batched; k < count; k++)
    {
        ids[k] = ObjectId.NewRandom();
        byte[] data = new byte[Formats.ManySize(k)];
        Formats.FillPattern(data, 0, k & 0xff);
        store.Put(ids[k], data, Formats.ManyMetadata(k));
    }
    foreach (ObjectId id in ids) Console.WriteLine(id);
}

static void GetMany(string socket, string[] hexIds)
{
    using var store = StoreAccess.Connect(socket);
    ObjectId[] ids = hexIds.Select(StoreAccess.ParseId).ToArray();
    store.CheckMany(ids);
    foreach (ObjectId id in ids) store.Delete(id);
}

static void PutStream(string socket, string[] hexIds)
{
    using var store = StoreAccess.Connect(socket);
    for (int k = 0; k < hexIds.Length; k++)
        store.PutPattern(StoreAccess.ParseId(hexIds[k]), Formats.StreamSize(k), k & 0xff, Formats.ManyMetadata(k));
}

static void GetStream(string socket, string[] hexIds)
{
    using var store = StoreAccess.Connect(socket);
    // Tells the driver this reader is connected: it starts the writer only then.
    Console.Out.WriteLine("connected");
    Console.Out.Flush();
    for (int k = 0; k < hexIds.Length; k++)
        store.CheckPattern(StoreAccess.ParseId(hexIds[k]), Formats.StreamSize(k), k & 0xff, Formats.ManyMetadata(k),
                           StoreAccess.StreamGetTimeout);
}
