using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using PlasmaSharp.Examples.ArrowService;

namespace PlasmaSharp.Hosting.Tests;

/// <summary>examples/ArrowService on a 127.0.0.1 port (chosen by the OS), driven with HttpClient;
/// what it stores is read by pyarrow 11 through the store, and what pyarrow stores is served.</summary>
public sealed class ArrowServiceTests : IAsyncLifetime
{
    private const long MaxStreamBytes = 1 << 20;
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private string _socket = "";

    public async Task InitializeAsync()
    {
        _app = ArrowServiceApp.Build([
            "--urls=http://127.0.0.1:0",
            $"--Plasma:Store:Capacity={64L << 20}",
            $"--ArrowService:MaxStreamBytes={MaxStreamBytes}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.Single()) };
        _socket = _app.Services.GetRequiredService<PlasmaStoreService>().SocketPath;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static RecordBatch Batch(int rows, int offset) => new RecordBatch.Builder()
        .Append("x", false, c => c.Int64(a => a.AppendRange(Enumerable.Range(offset, rows).Select(i => (long)i))))
        .Append("name", false, c => c.String(a => a.AppendRange(Enumerable.Range(offset, rows).Select(i => $"row{i}"))))
        .Build();

    private static byte[] Stream(params RecordBatch[] batches)
    {
        var output = new MemoryStream();
        using (var writer = new ArrowStreamWriter(output, batches[0].Schema))
        {
            foreach (RecordBatch batch in batches) writer.WriteRecordBatch(batch);
            writer.WriteEnd();
        }
        return output.ToArray();
    }

    private Task<HttpResponseMessage> PostAsync(byte[] body, string contentType = ArrowServiceApp.ArrowStreamMediaType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return _http.PostAsync("/batches", content);
    }

    private static async Task<string> IdOf(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        JsonElement json = await response.Content.ReadFromJsonAsync<JsonElement>();
        string id = json.GetProperty("id").GetString()!;
        Assert.Equal($"/batches/{id}", response.Headers.Location!.OriginalString);
        return id;
    }

    private static async Task<string> DetailOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;

    [Fact]
    public async Task A_posted_stream_is_stored_and_served_back_as_Arrow_IPC()
    {
        string id = await IdOf(await PostAsync(Stream(Batch(600, 0), Batch(400, 600))));
        HttpResponseMessage got = await _http.GetAsync($"/batches/{id}");
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        Assert.Equal(ArrowServiceApp.ArrowStreamMediaType, got.Content.Headers.ContentType!.MediaType);
        using var reader = new ArrowStreamReader(await got.Content.ReadAsStreamAsync());
        long rows = 0, sum = 0;
        while (await reader.ReadNextRecordBatchAsync() is { } batch)
            using (batch)
            {
                rows += batch.Length;
                var x = (Int64Array)batch.Column("x");
                for (int i = 0; i < x.Length; i++) sum += x.GetValue(i)!.Value;
                Assert.Equal($"row{x.GetValue(0)}", ((StringArray)batch.Column("name")).GetString(0));
            }
        Assert.Equal(1000, rows);
        Assert.Equal(Enumerable.Range(0, 1000).Sum(i => (long)i), sum);

        // The object is in the store, under that id, with Ray's "RAW" metadata.
        using PlasmaClient client = PlasmaClient.Connect(_socket);
        using PlasmaObject obj = client.Get(ObjectId.Parse(id), TimeSpan.Zero)!;
        Assert.Equal("RAW"u8.ToArray(), obj.Metadata.ToArray());
    }

    [Fact]
    public async Task Bad_requests_are_refused_with_a_reason()
    {
        HttpResponseMessage wrongType = await PostAsync(Stream(Batch(3, 0)), "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        Assert.Contains("Content-Type: application/vnd.apache.arrow.stream", await DetailOf(wrongType));

        HttpResponseMessage garbage = await PostAsync("this is not arrow at all, just some text bytes"u8.ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Contains("could not be read as an Arrow IPC stream", await DetailOf(garbage));

        byte[] valid = Stream(Batch(100, 0));
        HttpResponseMessage truncated = await PostAsync(valid[..(valid.Length / 2)]);
        Assert.Equal(HttpStatusCode.BadRequest, truncated.StatusCode);

        var schemaOnly = new MemoryStream();
        using (var writer = new ArrowStreamWriter(schemaOnly, Batch(1, 0).Schema)) { writer.WriteStart(); writer.WriteEnd(); }
        HttpResponseMessage empty = await PostAsync(schemaOnly.ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("no record batch", await DetailOf(empty));

        HttpResponseMessage tooLarge = await PostAsync(Stream(Batch(100_000, 0)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Contains($"limited to {MaxStreamBytes} bytes", await DetailOf(tooLarge));

        HttpResponseMessage badId = await _http.GetAsync("/batches/not-an-id");
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
        HttpResponseMessage unknown = await _http.GetAsync($"/batches/{ObjectId.NewRandom()}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/healthz")).StatusCode);
    }

    private async Task<string> RunPythonAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Arrow11FactAttribute.Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pyarrow_plasma_peer.py"));
        start.ArgumentList.Add(_socket);
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, $"python exited with {process.ExitCode}: {await stderr}");
        return (await stdout).Trim();
    }

    [Arrow11Fact]
    public async Task Pyarrow_11_reads_what_the_service_stored_and_the_service_serves_what_pyarrow_stored()
    {
        string id = await IdOf(await PostAsync(Stream(Batch(700, 0), Batch(300, 700))));
        JsonElement seen = JsonDocument.Parse(await RunPythonAsync("read", id)).RootElement;
        Assert.Equal(1000, seen.GetProperty("rows").GetInt64());
        Assert.Equal(["x", "name"], seen.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(Enumerable.Range(0, 1000).Sum(i => (long)i), seen.GetProperty("sum_x").GetInt64());
        Assert.Equal(["row0", "row1", "row2"], seen.GetProperty("first_names").EnumerateArray().Select(c => c.GetString()));

        string pythonId = await RunPythonAsync("write");
        HttpResponseMessage got = await _http.GetAsync($"/batches/{pythonId}");
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        using var reader = new ArrowStreamReader(await got.Content.ReadAsStreamAsync());
        using RecordBatch batch = (await reader.ReadNextRecordBatchAsync())!;
        Assert.Equal(500, batch.Length);
        Assert.IsType<Int64Type>(reader.Schema.GetFieldByName("x").DataType);
        Assert.Equal("py499", ((StringArray)batch.Column("name")).GetString(499));
        Assert.Null(await reader.ReadNextRecordBatchAsync());
    }
}
