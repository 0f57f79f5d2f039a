// The package test's program: built in a brand-new console project that knows PlasmaSharp only as
// a NuGet package. Prints one "PASS<TAB>name" or "FAIL<TAB>name<TAB>why" line per check.
using Apache.Arrow;
using Apache.Arrow.Types;
using PlasmaSharp;
using PlasmaSharp.Arrow;

int failures = 0;
void Check(string name, Func<string?> body)
{
    string? why;
    try { why = body(); }
    catch (Exception e) { why = $"{e.GetType().Name}: {e.Message}"; }
    if (why is null) Console.WriteLine($"PASS\t{name}");
    else
    {
        failures++;
        Console.WriteLine($"FAIL\t{name}\t{why.Replace('\n', ' ').Replace('\t', ' ')}");
    }
}

string expectedVersion = args.Length > 0 ? args[0] : "";
PlasmaStore? store = null;
PlasmaClient? client = null;

Check("native library loads from the package and reports its version", () =>
    PlasmaClient.NativeVersion == expectedVersion ? null : $"ps_version() = '{PlasmaClient.NativeVersion}', package version '{expectedVersion}'");

Check("PlasmaStore starts the bundled plasma-store", () =>
{
    string exe = PlasmaStore.FindExecutable();
    string appDir = AppContext.BaseDirectory;
    if (!exe.StartsWith(appDir, StringComparison.Ordinal)) return $"found {exe}, not a file of this app ({appDir})";
    store = PlasmaStore.StartAsync(64L << 20).GetAwaiter().GetResult();
    if (!store.IsRunning) return "the store is not running";
    client = PlasmaClient.Connect(store.SocketPath);
    return client.Capacity == 64L << 20 ? null : $"capacity {client.Capacity}";
});

Check("put and get bytes", () =>
{
    if (client is null) return "no store";
    var data = new byte[1_000_003];
    for (int i = 0; i < data.Length; i++) data[i] = (byte)(i * 31 + 7);
    byte[] metadata = "package-test"u8.ToArray();
    ObjectId id = ObjectId.NewRandom();
    client.Put(id, data, metadata);
    using PlasmaObject? got = client.Get(id, TimeSpan.FromSeconds(5));
    if (got is null) return "Get returned null";
    if (!got.Data.Span.SequenceEqual(data)) return "data differs";
    if (!got.Metadata.Span.SequenceEqual(metadata)) return "metadata differs";
    return null;
});

Check("put and get an Arrow record batch", () =>
{
    if (client is null) return "no store";
    const int rows = 1000;
    var ints = new Int64Array.Builder();
    var doubles = new DoubleArray.Builder();
    var strings = new StringArray.Builder();
    for (int i = 0; i < rows; i++)
    {
        ints.Append(i * 1_000_003L);
        doubles.Append(i * 0.5);
        strings.Append($"row {i}");
    }
    var schema = new Schema.Builder()
        .Field(f => f.Name("n").DataType(Int64Type.Default))
        .Field(f => f.Name("x").DataType(DoubleType.Default))
        .Field(f => f.Name("s").DataType(StringType.Default))
        .Build();
    using var batch = new RecordBatch(schema, [ints.Build(), doubles.Build(), strings.Build()], rows);
    ObjectId id = ObjectId.NewRandom();
    client.PutRecordBatch(id, batch);
    using RecordBatch? back = client.GetRecordBatch(id, TimeSpan.FromSeconds(5));
    if (back is null) return "GetRecordBatch returned null";
    if (back.Length != rows) return $"{back.Length} rows";
    var n = (Int64Array)back.Column(0);
    var x = (DoubleArray)back.Column(1);
    var s = (StringArray)back.Column(2);
    for (int i = 0; i < rows; i++)
        if (n.GetValue(i) != i * 1_000_003L || x.GetValue(i) != i * 0.5 || s.GetString(i) != $"row {i}")
            return $"row {i} differs";
    return null;
});

Check("the store stops and removes its socket folder", () =>
{
    if (store is null) return "no store";
    client?.Dispose();
    string socket = store.SocketPath;
    store.StopAsync().GetAwaiter().GetResult();
    if (store.IsRunning) return "still running";
    return File.Exists(socket) ? $"{socket} is still there" : null;
});

return failures == 0 ? 0 : 1;
