using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using PlasmaSharp.Cluster.Transfer;

namespace PlasmaSharp.Cluster;

/// <summary>One connection to the node's Plasma store: a control client (List, Capacity) and a
/// subscription (the Plasma Subscribe protocol, so the real Arrow store works too) read by a
/// dedicated thread that turns notifications into <see cref="StoreEvent"/>s, ending with
/// <see cref="StoreEventKind.StoreLost"/> when the store goes away.</summary>
internal sealed class StoreConnection : IDisposable
{
    private readonly PlasmaClient _client;
    private readonly PlasmaSubscription _subscription;
    private readonly ChannelWriter<StoreEvent> _events;
    private readonly SealedDigests _digests;
    private readonly ILogger _logger;
    private readonly Thread _reader;
    private volatile bool _stopping;

    private StoreConnection(PlasmaClient client, PlasmaSubscription subscription, ChannelWriter<StoreEvent> events, SealedDigests digests, ILogger logger)
    {
        _client = client;
        _subscription = subscription;
        _events = events;
        _digests = digests;
        _logger = logger;
        Capacity = client.Capacity;
        _reader = new Thread(ReadNotifications) { IsBackground = true, Name = "plasma-node notifications" };
    }

    public long Capacity { get; }

    public bool IsLost { get; private set; }

    /// <summary>Connects and starts reading; the first event written is StoreConnected.</summary>
    /// <exception cref="PlasmaException">No store accepts connections on the socket.</exception>
    public static StoreConnection Open(string socket, ChannelWriter<StoreEvent> events, SealedDigests digests, ILogger logger, int connectAttempts)
    {
        var client = PlasmaClient.Connect(socket, new PlasmaClientOptions
        {
            ConnectAttempts = connectAttempts, ConnectRetryDelay = TimeSpan.FromMilliseconds(100), ClientName = "plasmasharp-node",
        });
        try
        {
            // Subscribed before the list is read, so no seal between the two is missed.
            PlasmaSubscription subscription = client.Subscribe();
            digests.Clear(); // the subscription reports every sealed object again
            var connection = new StoreConnection(client, subscription, events, digests, logger);
            events.TryWrite(new StoreEvent(StoreEventKind.StoreConnected, default, 0, "", 0));
            connection._reader.Start();
            return connection;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The store's statistics now (capacity, bytes used; objects not counted).</summary>
    public PlasmaStoreStats ReadStats() => _client.GetStoreStats(countObjects: false);

    /// <summary>The sealed objects in the store now.</summary>
    public IReadOnlyList<ObjectInfo> ListSealed() => _client.List().Where(o => o.IsSealed).ToList();

    private void ReadNotifications()
    {
        try
        {
            while (!_stopping)
            {
                // Bounded waits so Dispose is noticed; a burst is read back to back without waiting.
                PlasmaNotification? n = _subscription.TryRead(TimeSpan.FromMilliseconds(200));
                if (n is null) continue;
                if (n.IsDeletion) _digests.Deleted(n.Id);
                else _digests.Sealed(n.Id, n.Digest.Span);
                _events.TryWrite(StoreEvent.From(n));
            }
        }
        catch (PlasmaException e) when (!_stopping)
        {
            IsLost = true;
            _logger.LogError("lost the store's notification connection: {Message}", e.Message);
            _events.TryWrite(new StoreEvent(StoreEventKind.StoreLost, default, 0, "", 0));
        }
        catch (Exception e) when (_stopping && e is PlasmaException or ObjectDisposedException)
        {
            // closing down
        }
    }

    public void Dispose()
    {
        _stopping = true;
        if (_reader.IsAlive && Thread.CurrentThread != _reader) _reader.Join(TimeSpan.FromSeconds(2));
        _subscription.Dispose();
        _client.Dispose();
    }
}
