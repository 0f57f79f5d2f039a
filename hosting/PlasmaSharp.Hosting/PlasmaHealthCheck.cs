using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace PlasmaSharp.Hosting;

/// <summary>The store is healthy when a new connection to it answers its capacity and debug string
/// within <see cref="PlasmaHealthCheckOptions.Timeout"/>, degraded when more than
/// <see cref="PlasmaHealthCheckOptions.DegradedFillRatio"/> of its capacity is in use, unhealthy
/// when it cannot be reached in time. A new connection each time: it proves the store accepts
/// connections, and a Get waiting on a pooled connection cannot make the store look dead. The
/// health check service logs unhealthy results itself.</summary>
internal sealed class PlasmaHealthCheck(
    IOptions<PlasmaHealthCheckOptions> options,
    IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        PlasmaHealthCheckOptions o = options.Value;
        string socket;
        try
        {
            socket = o.SocketPath
                     ?? (services.GetService(typeof(PlasmaClientPool)) as PlasmaClientPool)?.SocketPath
                     ?? (services.GetService(typeof(PlasmaStoreService)) as PlasmaStoreService)?.SocketPath
                     ?? throw new InvalidOperationException("No Plasma store to check: set Plasma:Health:SocketPath, or call AddPlasmaClient() or AddPlasmaStore().");
        }
        catch (InvalidOperationException e)
        {
            return HealthCheckResult.Unhealthy(e.Message, e);
        }

        // The native connect and reads block; a store that hangs must not hang the health endpoint.
        Task<PlasmaStoreStats> read = Task.Run(() =>
        {
            using PlasmaClient client = PlasmaClient.Connect(socket, new PlasmaClientOptions { ConnectAttempts = 1, ClientName = "plasmasharp-health" });
            return client.GetStoreStats(countObjects: false);
        }, CancellationToken.None);
        PlasmaStoreStats stats;
        try
        {
            stats = await read.WaitAsync(o.Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            return HealthCheckResult.Unhealthy($"The Plasma store at {socket} did not answer within {o.Timeout.TotalMilliseconds:F0} ms.", e);
        }
        catch (PlasmaException e)
        {
            return HealthCheckResult.Unhealthy($"The Plasma store at {socket} is unreachable: {e.Message}", e);
        }

        var data = new Dictionary<string, object>
        {
            ["socket"] = socket,
            ["capacity_bytes"] = stats.Capacity,
            ["used_bytes"] = stats.BytesUsed,
            ["fill_ratio"] = stats.FillRatio,
        };
        if (stats.FillRatio > o.DegradedFillRatio)
            return HealthCheckResult.Degraded(
                $"The Plasma store at {socket} is {stats.FillRatio:P1} full ({stats.BytesUsed} of {stats.Capacity} bytes), above the degraded level of {o.DegradedFillRatio:P0}.",
                data: data);
        return HealthCheckResult.Healthy($"The Plasma store at {socket} answers; {stats.FillRatio:P1} full.", data);
    }
}
