using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PlasmaSharp.Cluster.Transfer;

/// <summary>How objects move between nodes: shared by the serving side (a node's object service)
/// and the pulling side (a node, or <see cref="PlasmaCluster"/> with a local store).</summary>
public sealed class ObjectTransferOptions
{
    /// <summary>The default chunk: 1 MiB, well under gRPC's default 4 MB message limit.</summary>
    public const int DefaultChunkSize = 1 << 20;

    /// <summary>Data bytes per streamed chunk (64 KiB to 3 MiB, so a chunk always fits gRPC's default limit).</summary>
    public int ChunkSize { get; set; } = DefaultChunkSize;

    /// <summary>The shared secret of the cluster's object services (from --token-file); null = no
    /// authentication (the service must then stay on a trusted network).</summary>
    public string? Token { get; set; }

    /// <summary>The certificates (a private CA, or the holders' own self-signed certificates) that a
    /// holder's HTTPS certificate must chain to (from --tls-ca), in place of the system's trust store;
    /// null = the system's trust store. Host names are still checked against the holder's address.</summary>
    public X509Certificate2Collection? TrustedRoots { get; set; }

    /// <summary>Most object bytes being pulled at once by one puller (Ray's object manager bounds
    /// this too); a single object larger than this is still pulled, alone.</summary>
    public long MaxBytesInFlight { get; set; } = 512L << 20;

    /// <summary>Pause before the second attempt at a pull; doubles per attempt up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest pause between attempts.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public void Validate()
    {
        if (ChunkSize is < 64 << 10 or > 3 << 20) throw new ArgumentException("the chunk size must be between 64 KiB and 3 MiB");
        if (MaxBytesInFlight < 1) throw new ArgumentException("the bytes in flight must be positive");
        if (Token is { Length: 0 }) throw new ArgumentException("the token is empty");
        if (TrustedRoots is { Count: 0 }) throw new ArgumentException("the trusted roots are empty");
    }

    /// <summary>Reads a token file: its first line, trimmed; an empty file is an error.</summary>
    /// <exception cref="ArgumentException">The file cannot be read or holds no token.</exception>
    public static string ReadTokenFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot read the token file {path}: {e.Message}", e);
        }
        string token = text.Split('\n')[0].Trim();
        if (token.Length == 0) throw new ArgumentException($"the token file {path} is empty");
        return token;
    }

    /// <summary>Reads a CA file: every PEM certificate in it; a file holding none is an error.</summary>
    /// <exception cref="ArgumentException">The file cannot be read or holds no certificate.</exception>
    public static X509Certificate2Collection ReadTrustedRootsFile(string path)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ArgumentException($"cannot read the CA file {path}: {e.Message}", e);
        }
        if (roots.Count == 0) throw new ArgumentException($"the CA file {path} holds no PEM certificate");
        return roots;
    }
}
