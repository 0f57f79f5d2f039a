using System.Collections.Concurrent;
using Grpc.Net.Client;

namespace PlasmaSharp.Cluster.Transfer;

/// <summary>One HTTP/2 channel per holder address, reused by every pull from that node.</summary>
internal sealed class HolderChannels : IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);

    public ObjectTransfer.ObjectTransferClient For(string address) =>
        new(_channels.GetOrAdd(address, static a => GrpcChannel.ForAddress(a, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                // Large per-stream windows: a 1 MiB chunk is in flight while the previous one is copied.
                InitialHttp2StreamWindowSize = 16 << 20,
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                KeepAlivePingDelay = TimeSpan.FromSeconds(5),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            },
            MaxReceiveMessageSize = ObjectTransferOptionsLimits.MaxMessage,
        })));

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
