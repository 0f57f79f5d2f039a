namespace PlasmaSharp.Hosting;

/// <summary>The hosted store (<c>AddPlasmaStore</c>), bound from the <c>Plasma:Store</c> configuration section.</summary>
public sealed class PlasmaStoreHostOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Plasma:Store";

    /// <summary>Bytes of shared memory the store may use (required, &gt; 0).</summary>
    public long Capacity { get; set; }

    /// <summary>The Unix socket the store listens on (null = a fresh temporary folder).</summary>
    public string? SocketPath { get; set; }

    /// <summary>Where the shared-memory file is created (null = /dev/shm).</summary>
    public string? Directory { get; set; }

    /// <summary>The store populates its whole memory at start (<c>plasma-store --prefault</c>), on a
    /// background thread: it accepts connections at once, and once done (about 1 s per GiB here) the
    /// first objects no longer pay for allocating and zeroing shared-memory pages.</summary>
    public bool Prefault { get; set; }

    /// <summary>The store executable (null = the bundled <c>plasma-store</c>).</summary>
    public string? ExecutablePath { get; set; }

    /// <summary>The store stops by itself when this process exits, even when it is killed
    /// (<see cref="PlasmaStoreOptions.StopWithThisProcess"/>). Default true; false for Arrow's
    /// plasma-store-server, which does not know the flag.</summary>
    public bool StopWithThisProcess { get; set; } = true;

    /// <summary>How long the store may take to accept connections.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a graceful stop may take before the store is killed.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
