using Apache.Arrow;
using Apache.Arrow.Ipc;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using PlasmaSharp.Arrow;
using PlasmaSharp.Hosting;

namespace PlasmaSharp.Examples.ArrowService;

/// <summary>The service: a hosted store, a client pool, two endpoints and a health endpoint.</summary>
public static class ArrowServiceApp
{
    /// <summary>The Arrow IPC stream media type (IANA registered).</summary>
    public const string ArrowStreamMediaType = "application/vnd.apache.arrow.stream";

    /// <summary>Builds the app from <paramref name="args"/> and appsettings.json (sections
    /// <c>Plasma</c> and <c>ArrowService</c>).</summary>
    public static WebApplication Build(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        builder.Services.AddPlasmaStore();
        builder.Services.AddPlasmaClient();
        builder.Services.AddPlasmaHealthChecks();
        builder.Services.AddProblemDetails();
        builder.Services.AddOptions<ArrowServiceOptions>().BindConfiguration("ArrowService")
            .Validate(o => o.MaxStreamBytes > 0, "ArrowService:MaxStreamBytes must be greater than 0.").ValidateOnStart();

        WebApplication app = builder.Build();
        app.MapPost("/batches", PostAsync);
        app.MapGet("/batches/{id}", GetAsync);
        app.MapHealthChecks("/healthz");
        return app;
    }

    /// <summary>Validates and stores one Arrow IPC stream (one or more record batches) as one object.</summary>
    private static async Task<IResult> PostAsync(HttpContext context, PlasmaClientPool plasma, IOptions<ArrowServiceOptions> options)
    {
        HttpRequest request = context.Request;
        CancellationToken ct = context.RequestAborted;
        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), ArrowStreamMediaType, StringComparison.OrdinalIgnoreCase))
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Send the Arrow IPC stream format with Content-Type: {ArrowStreamMediaType} (got '{request.ContentType}').");

        long max = options.Value.MaxStreamBytes;
        if (request.ContentLength > max) return TooLarge(max);
        // Our own limit replaces Kestrel's (30 MB by default) so the reason can be given.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = null;
        var body = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, ct)) > 0)
        {
            if (body.Length + read > max) return TooLarge(max);
            body.Write(buffer, 0, read);
        }
        body.Position = 0;

        var batches = new List<RecordBatch>();
        try
        {
            Schema schema;
            using (var reader = new ArrowStreamReader(body))
            {
                schema = reader.Schema;
                while (await reader.ReadNextRecordBatchAsync(ct) is { } batch) batches.Add(batch);
            }
            if (batches.Count == 0)
                return Problem(StatusCodes.Status400BadRequest, "Empty Arrow stream", "The stream has a schema but no record batch.");
            var id = ObjectId.NewRandom();
            long bytes = plasma.Run(client => client.PutRecordBatches(id, schema, batches));
            return Results.Created($"/batches/{id}", new
            {
                id = id.ToString(),
                rows = batches.Sum(b => (long)b.Length),
                batches = batches.Count,
                bytes,
            });
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or InvalidOperationException
                                      or OverflowException or IndexOutOfRangeException or EndOfStreamException
                                      or NotSupportedException or FormatException)
        {
            // Apache.Arrow's reader reports malformed input with several exception types.
            return Problem(StatusCodes.Status400BadRequest, "Not an Arrow IPC stream", $"The body could not be read as an Arrow IPC stream: {e.Message}");
        }
        catch (StoreFullException e)
        {
            return Problem(StatusCodes.Status507InsufficientStorage, "Store full", e.Message);
        }
        finally
        {
            foreach (RecordBatch batch in batches) batch.Dispose();
        }
    }

    /// <summary>Streams the stored object's bytes (an Arrow IPC stream) straight from shared memory.</summary>
    private static async Task GetAsync(HttpContext context, string id, PlasmaClientPool plasma)
    {
        if (!ObjectId.TryParse(id, out ObjectId objectId))
        {
            await Problem(StatusCodes.Status400BadRequest, "Bad id", $"'{id}' is not an object id (40 hexadecimal characters).").ExecuteAsync(context);
            return;
        }
        using PlasmaObject? obj = plasma.Run(client => client.Get(objectId, TimeSpan.Zero));
        if (obj is null)
        {
            await Problem(StatusCodes.Status404NotFound, "No such batch", $"The store has no object {objectId}.").ExecuteAsync(context);
            return;
        }
        context.Response.ContentType = ArrowStreamMediaType;
        context.Response.ContentLength = obj.DataLength;
        await using Stream data = obj.OpenDataStream(); // any size, no copy into managed memory
        await data.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private static IResult TooLarge(long max) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Stream too large", $"Arrow streams are limited to {max} bytes here (ArrowService:MaxStreamBytes).");

    private static IResult Problem(int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail);
}
