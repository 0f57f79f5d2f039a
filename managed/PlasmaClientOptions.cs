namespace PlasmaSharp;

/// <summary>Options for <see cref="PlasmaClient.Connect"/>.</summary>
public sealed class PlasmaClientOptions
{
    /// <summary>How many times to try to connect before giving up (1 = once, no retry). Default 50.</summary>
    public int ConnectAttempts { get; set; } = 50;

    /// <summary>Pause between connection attempts. Default 100 ms.</summary>
    public TimeSpan ConnectRetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Name sent with <see cref="OutputMemoryQuota"/> (Plasma's SetOptions carries both; the store
    /// uses the name in its quota bookkeeping). Without a quota nothing is sent: both the real store
    /// and ours would take SetOptions with a quota of 0 as "no object fits".</summary>
    public string? ClientName { get; set; }

    /// <summary>Per-client memory quota in bytes sent with SetOptions; 0 = none (the default).</summary>
    public long OutputMemoryQuota { get; set; }

    /// <summary>Let the store evict unreferenced objects to make room on create (libplasma's default: true).</summary>
    public bool EvictIfFull { get; set; } = true;

    /// <summary>Put uses one CreateAndSeal round trip (data travels inside the message) up to this
    /// many data bytes, and Create + copy into shared memory + Seal above it. Default 64 KiB.</summary>
    public int CreateAndSealThreshold { get; set; } = 64 * 1024;

    /// <summary>Longest single native wait used by the async methods between cancellation checks. Default 100 ms.</summary>
    public TimeSpan AsyncPollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Records where this client and every object and subscription obtained through it were
    /// created, and reports any of them that is finalized without Dispose
    /// (<see cref="PlasmaDiagnostics.LeakDetected"/>). Default false; <see cref="PlasmaDiagnostics.TrackLeaks"/>
    /// turns it on for every client. Slow (one stack trace per object): for debugging.</summary>
    public bool TrackLeaks { get; set; }

    internal PlasmaClientOptions Clone() => (PlasmaClientOptions)MemberwiseClone();
}
