namespace PlasmaSharp.Hosting;

/// <summary>The client pool (<c>AddPlasmaClient</c>), bound from the <c>Plasma:Client</c> configuration section.</summary>
public sealed class PlasmaClientPoolOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Plasma:Client";

    /// <summary>The store's Unix socket (null = the store hosted by <c>AddPlasmaStore</c>).</summary>
    public string? SocketPath { get; set; }

    /// <summary>Connections at most. A lease is one thread's use of a connection, so threads beyond
    /// this number wait for a free one (default: the processor count, at least 2).</summary>
    public int PoolSize { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>How long <see cref="PlasmaClientPool.Rent"/> waits for a free connection before it throws <see cref="TimeoutException"/>.</summary>
    public TimeSpan RentTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Connection attempts per new connection (100 ms apart).</summary>
    public int ConnectAttempts { get; set; } = 50;

    /// <summary>The name the store shows for these connections (null = none).</summary>
    public string? ClientName { get; set; }

    /// <summary>Let Create/Put evict unused objects when the store is full.</summary>
    public bool EvictIfFull { get; set; } = true;

    internal PlasmaClientOptions ToClientOptions() => new()
    {
        ConnectAttempts = ConnectAttempts,
        ClientName = ClientName,
        EvictIfFull = EvictIfFull,
    };
}
