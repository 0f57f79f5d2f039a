using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace PlasmaSharp.Cluster.Transfer;

/// <summary>One HTTP/2 channel per holder address, reused by every pull from that node.</summary>
/// <param name="trustedRoots">For https holders: the roots their certificates must chain to, in place
/// of the system's trust store (null = the system's).</param>
internal sealed class HolderChannels(X509Certificate2Collection? trustedRoots) : IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);

    public ObjectTransfer.ObjectTransferClient For(string address) => new(_channels.GetOrAdd(address, Open));

    private GrpcChannel Open(string address) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            // Large per-stream windows: a 1 MiB chunk is in flight while the previous one is copied.
            InitialHttp2StreamWindowSize = 16 << 20,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingDelay = TimeSpan.FromSeconds(5),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = ChainPolicy() },
        },
        MaxReceiveMessageSize = ObjectTransferOptionsLimits.MaxMessage,
    });

    /// <summary>The chain check against the given roots only; null (the system's default check) without them.</summary>
    private X509ChainPolicy? ChainPolicy()
    {
        if (trustedRoots is null) return null;
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            // A private CA publishes no revocation list: checking would fail every chain as "unknown".
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(trustedRoots);
        return policy;
    }

    /// <summary>Drops the channel of a holder that failed (it may have restarted on the same address).</summary>
    public void Forget(string address)
    {
        if (_channels.TryRemove(address, out GrpcChannel? channel)) channel.Dispose();
    }

    public void Dispose()
    {
        foreach (GrpcChannel channel in _channels.Values) channel.Dispose();
        _channels.Clear();
    }
}

/// <summary>The message limit both sides set: the largest chunk plus room for the header.</summary>
internal static class ObjectTransferOptionsLimits
{
    public const int MaxMessage = (3 << 20) + (1 << 20);
}
