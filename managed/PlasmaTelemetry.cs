using System.Diagnostics.Metrics;
using System.Reflection;

namespace PlasmaSharp;

/// <summary>The one <see cref="System.Diagnostics.Metrics.Meter"/> of PlasmaSharp, named <c>PlasmaSharp</c>, and the
/// names of its instruments and attributes. Every instrument of the product (client, hosted store,
/// cluster node) is created on this meter, so one subscription (OpenTelemetry's
/// <c>AddMeter("PlasmaSharp")</c>, a <see cref="MeterListener"/>, dotnet-counters) sees them all.
/// Names and units follow the OpenTelemetry semantic conventions (seconds for durations,
/// <c>By</c> for bytes, <c>{thing}</c> for counts, <c>error.type</c> and <c>server.address</c>).</summary>
public static class PlasmaTelemetry
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "PlasmaSharp";

    /// <summary>PlasmaSharp's version (the meter's version).</summary>
    public static string Version { get; } =
        typeof(PlasmaClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>The meter.</summary>
    public static Meter Meter { get; } = new(MeterName, Version);

    // ---------------------------------------------------------------- client (recorded by PlasmaClient)

    /// <summary>Histogram, seconds: duration of each client operation (its count is the operation
    /// count); tagged <see cref="OperationAttribute"/>, <see cref="ServerAddressAttribute"/>, and
    /// <see cref="ErrorTypeAttribute"/> when it failed.</summary>
    public const string ClientOperationDuration = "plasmasharp.client.operation.duration";

    /// <summary>Counter, bytes: object data written (put, create) and read (get) by clients; tagged
    /// <see cref="OperationAttribute"/>, <see cref="IoDirectionAttribute"/>, <see cref="ServerAddressAttribute"/>.</summary>
    public const string ClientIo = "plasmasharp.client.io";

    /// <summary>Up-down counter, <c>{connection}</c>: PlasmaClient connections open in this process;
    /// tagged <see cref="ServerAddressAttribute"/>.</summary>
    public const string ClientConnections = "plasmasharp.client.connections";

    // ---------------------------------------------------------------- store (observed from its stats)

    /// <summary>Up-down counter, <c>{object}</c>: objects in the store (sealed and unsealed).</summary>
    public const string StoreObjects = "plasmasharp.store.objects";

    /// <summary>Up-down counter, bytes: bytes the store has allocated to objects.</summary>
    public const string StoreMemoryUsage = "plasmasharp.store.memory.usage";

    /// <summary>Up-down counter, bytes: the store's capacity.</summary>
    public const string StoreMemoryLimit = "plasmasharp.store.memory.limit";

    /// <summary>Counter, <c>{object}</c>: objects the store evicted since it started.</summary>
    public const string StoreEvictions = "plasmasharp.store.evictions";

    // ---------------------------------------------------------------- attributes

    /// <summary>The operation: put, put_batch, create, get, contains, delete.</summary>
    public const string OperationAttribute = "plasmasharp.operation";

    /// <summary><c>write</c> or <c>read</c>.</summary>
    public const string IoDirectionAttribute = "plasmasharp.io.direction";

    /// <summary>The store's Unix socket path (the semantic conventions' <c>server.address</c> for Unix sockets).</summary>
    public const string ServerAddressAttribute = "server.address";

    /// <summary>The full name of the exception type of a failed operation.</summary>
    public const string ErrorTypeAttribute = "error.type";
}
