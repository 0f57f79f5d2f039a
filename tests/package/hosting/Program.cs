// The package test's hosting consumer (tests/package/hosting.sh): a brand-new console project that
// references only PlasmaSharp.Hosting of ours (PlasmaSharp comes with it) plus Microsoft's host and
// OpenTelemetry. It starts a host with a store and a client pool configured by appsettings.json,
// exports the PlasmaSharp meter to the in-memory exporter and asks the health check.
// Prints one "PASS\t<check>" or "FAIL\t<check>\t<why>" line per check; exit code 1 on any failure.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using PlasmaSharp;
using PlasmaSharp.Hosting;

int failures = 0;
void Check(string name, bool ok, string why = "")
{
    Console.WriteLine(ok ? $"PASS\t{name}" : $"FAIL\t{name}\t{why}");
    if (!ok) failures++;
}

var builder = Host.CreateApplicationBuilder(args); // appsettings.json from the working folder
builder.Services.AddPlasmaStore();
builder.Services.AddPlasmaClient();
builder.Services.AddPlasmaHealthChecks();
var exported = new List<Metric>();
builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(PlasmaTelemetry.MeterName).AddInMemoryExporter(exported));

using IHost host = builder.Build();
await host.StartAsync();
var pool = host.Services.GetRequiredService<PlasmaClientPool>();
var store = host.Services.GetRequiredService<PlasmaStoreService>();
long configuredCapacity = long.Parse(builder.Configuration["Plasma:Store:Capacity"]!);
Check("the hosted store runs with the configured capacity", store.Store?.IsRunning == true && pool.Run(c => c.Capacity) == configuredCapacity,
      $"running {store.Store?.IsRunning}, capacity {store.Store?.Capacity} (configured {configuredCapacity})");
Check("the client pool has the configured size", pool.Size == int.Parse(builder.Configuration["Plasma:Client:PoolSize"]!), $"size {pool.Size}");

var id = ObjectId.NewRandom();
byte[] payload = "hello from the hosting package"u8.ToArray();
string read = pool.Run(c =>
{
    c.Put(id, payload);
    using PlasmaObject obj = c.Get(id, TimeSpan.FromSeconds(5))!;
    return System.Text.Encoding.UTF8.GetString(obj.Data.Span);
});
Check("put and get through the pool", read == "hello from the hosting package", read);

host.Services.GetRequiredService<MeterProvider>().ForceFlush();
string[] expected = [PlasmaTelemetry.ClientOperationDuration, PlasmaTelemetry.ClientIo, PlasmaTelemetry.StoreObjects,
                     PlasmaTelemetry.StoreMemoryUsage, PlasmaTelemetry.StoreMemoryLimit, PlasmaTelemetry.StoreEvictions];
string[] missing = expected.Where(name => !exported.Any(m => m.Name == name)).ToArray();
Check("the in-memory exporter received the client and store metrics", missing.Length == 0, "missing: " + string.Join(", ", missing));
long objects = -1;
foreach (Metric metric in exported.Where(m => m.Name == PlasmaTelemetry.StoreObjects))
    foreach (ref readonly MetricPoint point in metric.GetMetricPoints()) objects = point.GetSumLong();
Check("the store gauge counts the object", objects == 1, $"plasmasharp.store.objects = {objects}");

HealthReport report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
Check("the health check reports healthy", report.Status == HealthStatus.Healthy,
      string.Join("; ", report.Entries.Select(e => $"{e.Key}: {e.Value.Status} {e.Value.Description}")));

await host.StopAsync();
Check("the store stopped with the host", store.Store is null);
return failures == 0 ? 0 : 1;
