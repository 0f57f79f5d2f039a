namespace PlasmaSharp.Hosting;

/// <summary>The store health check (<c>AddPlasmaHealthChecks</c>), bound from the <c>Plasma:Health</c> configuration section.</summary>
public sealed class PlasmaHealthCheckOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Plasma:Health";

    /// <summary>The store's socket (null = the client pool's, else the hosted store's).</summary>
    public string? SocketPath { get; set; }

    /// <summary>The store must accept a connection and answer within this time, or it is unhealthy.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Above this fraction of its capacity in use the store is reported degraded (0 &lt; ratio &lt;= 1).</summary>
    public double DegradedFillRatio { get; set; } = 0.9;
}
