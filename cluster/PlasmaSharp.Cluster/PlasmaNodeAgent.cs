using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PlasmaSharp.Cluster.Transfer;
using StackExchange.Redis;

namespace PlasmaSharp.Cluster;

/// <summary>The node agent: a hosted service beside one Plasma store that registers the node in
/// Redis, heartbeats, and keeps the object table in step with the store's seal/delete
/// notifications, in batches of up to <see cref="PlasmaNodeOptions.BatchSize"/> updates per Redis
/// round trip. When Redis is unreachable the store keeps working and the agent retries with
/// backoff; once Redis answers again it registers anew and republishes the store's whole list,
/// so the table converges after a Redis restart or a network blip. On stop it unregisters.</summary>
public sealed class PlasmaNodeAgent : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DownLogInterval = TimeSpan.FromSeconds(30);

    private readonly PlasmaNodeOptions _options;
    private readonly ILogger<PlasmaNodeAgent> _logger;
    private readonly IServiceProvider _services;
    private readonly Channel<StoreEvent> _events = Channel.CreateUnbounded<StoreEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<ObjectId, long> _sizes = [];
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private PlasmaStore? _ownedStore;
    private StoreConnection? _store;
    private LocalStore? _transferStore;
    private ObjectFetcher? _fetcher;
    private MissingObjectsWatch? _missingWatch;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ObjectId, BringDeadline> _bringing = new();
    // A client waiting in slices sends its next Get just after the previous one ended: this much
    // longer than a Get's own timeout, the bring for it goes on (see BringDeadline).
    private static readonly TimeSpan RepeatedGetGrace = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _stopping = new();
    private ConnectionMultiplexer? _redis;
    private ClusterTable? _table;
    private string _storeSocket = "";
    private string _address = "";
    private string _transferAddress = "";
    private volatile bool _needRepublish = true;
    private volatile bool _redisUp = true;
    private DateTimeOffset _redisDownSince, _redisDownLogged;
    private long _objectCount, _usedBytes;
    private int _cleaning;

    /// <summary>Created by the host (see <see cref="PlasmaNodeServiceCollectionExtensions.AddPlasmaNode"/>).</summary>
    public PlasmaNodeAgent(PlasmaNodeOptions options, ILogger<PlasmaNodeAgent> logger, IServiceProvider services)
    {
        options.Validate();
        _options = options;
        _logger = logger;
        _services = services;
    }

    /// <summary>This node's id.</summary>
    public string NodeId => _options.NodeId;

    /// <summary>Sealed objects in the store, as the agent counts them.</summary>
    public long ObjectCount => Interlocked.Read(ref _objectCount);

    /// <summary>Data + metadata bytes of those objects.</summary>
    public long UsedBytes => Interlocked.Read(ref _usedBytes);

    /// <summary>The store's capacity in bytes (0 before the store is reached).</summary>
    public long Capacity => _store?.Capacity ?? 0;

    /// <summary>The store's statistics now, or null while it cannot be reached.</summary>
    public PlasmaStoreStats? ReadStoreStats()
    {
        try
        {
            return _store is { IsLost: false } store ? store.ReadStats() : null;
        }
        catch (Exception e) when (e is PlasmaException or ObjectDisposedException)
        {
            return null; // lost or being replaced by a reconnect: no measurement this time
        }
    }

    /// <summary>The store's socket.</summary>
    public string StoreSocket => _storeSocket;

    /// <summary>The object service's options.</summary>
    public ObjectTransferOptions Transfer => _options.Transfer;

    /// <summary>The digests of the store's sealed objects, from its notifications.</summary>
    internal SealedDigests Digests { get; } = new();

    /// <summary>The connection that serves objects to other nodes (and pulls into this store).</summary>
    internal LocalStore TransferStore => _transferStore ?? throw new InvalidOperationException("the node has not started");

    /// <summary>True while the store connection is up.</summary>
    public bool IsStoreReachable => _store is { IsLost: false };

    /// <summary>Asks Redis for a PING now.</summary>
    public async Task<bool> PingRedisAsync()
    {
        if (_redis is null || !_redis.IsConnected) return false;
        try
        {
            await _redis.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            return false;
        }
    }

    /// <summary>Starts (or attaches to) the store and connects to Redis; fails if the store cannot be reached.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        NodeInstruments.Track(this);
        if (_options.StoreSocket is { } attach)
        {
            _storeSocket = attach;
        }
        else
        {
            _ownedStore = await PlasmaStore.StartAsync(_options.Memory!.Value, new PlasmaStoreOptions { SocketPath = _options.Socket, Prefault = _options.Prefault }, cancellationToken).ConfigureAwait(false);
            _storeSocket = _ownedStore.SocketPath;
            _logger.LogInformation("started the bundled store: {Bytes} bytes on {Socket} (pid {Pid})", _options.Memory, _storeSocket, _ownedStore.ProcessId);
        }
        _store = StoreConnection.Open(_storeSocket, _events.Writer, Digests, _logger, connectAttempts: 20);
        _transferStore = new LocalStore(_storeSocket);
        _logger.LogInformation("attached to the store on {Socket} (capacity {Capacity} bytes)", _storeSocket, _store.Capacity);

        ConfigurationOptions config = ConfigurationOptions.Parse(_options.Redis);
        config.AbortOnConnectFail = false; // start even while Redis is down: the store works regardless
        config.ClientName ??= "plasmasharp-node-" + NodeId;
        config.ReconnectRetryPolicy ??= new ExponentialRetry(100, (int)MaxBackoff.TotalMilliseconds);
        _redis = await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);
        _redis.ConnectionFailed += (_, e) => RedisFailed(e.Exception ?? new RedisException(e.FailureType.ToString()));
        _redis.ConnectionRestored += (_, _) => _needRepublish = true; // Redis may have restarted empty
        _table = new ClusterTable(_redis.GetDatabase());
        StartTransparentGets();
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await WaitForHostStartedAsync(stoppingToken).ConfigureAwait(false);
        _address = _options.Address ?? ServerAddress() ?? "";
        _transferAddress = _options.TransferAddress ?? _services.GetService<TransferEndpoint>()?.Address ?? "";
        _logger.LogInformation("node {Node} joins the cluster at {Redis} (address {Address}, TTL {Ttl} s)",
            NodeId, _redis!.Configuration.Split(',')[0], _address.Length > 0 ? _address : "none", _options.Ttl.TotalSeconds);
        if (_transferAddress.Length > 0)
            _logger.LogInformation("serving objects at {Address} (gRPC and Arrow Flight{Auth})", _transferAddress,
                                   _options.Transfer.Token is null ? "; no token: keep this network trusted" : "; bearer token required");
        Task heartbeats = HeartbeatLoopAsync(stoppingToken);
        try
        {
            await PublishLoopAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        try
        {
            await heartbeats.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    /// <summary>Stops publishing, unregisters (node first, then its locations), closes the store connection
    /// and stops a store it started.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_table is not null && _redis is { IsConnected: true })
            {
                await _table.UnregisterAsync(NodeId, cancellationToken).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("node {Node} left the cluster (unregistered)", NodeId);
            }
            else
            {
                _logger.LogWarning("Redis unreachable at stop: node {Node} disappears from the table after its TTL", NodeId);
            }
        }
        catch (Exception e) when (IsRedisFailure(e) || e is OperationCanceledException)
        {
            _logger.LogWarning("could not unregister ({Message}): node {Node} disappears from the table after its TTL", e.Message, NodeId);
        }
        _stopping.Cancel();
        _missingWatch?.Dispose();
        _fetcher?.Dispose();
        _store?.Dispose();
        _transferStore?.Dispose();
        if (_ownedStore is not null) await _ownedStore.StopAsync().ConfigureAwait(false);
        if (_redis is not null) await _redis.CloseAsync().ConfigureAwait(false);
        NodeInstruments.Untrack(this);
    }

    // ------------------------------------------------------------------ transparent Gets

    /// <summary>On our own store (the one this node started, or one declared ours), asks the store
    /// to report the ids local Gets wait for and lacks, and brings each from the cluster; the
    /// waiting Get returns when the pulled object's Seal lands. Arrow's store does not know the
    /// message (its clients use PlasmaCluster.GetAsync instead).</summary>
    private void StartTransparentGets()
    {
        var puller = new ObjectPuller(async id => (await _table!.LocateAsync(id).ConfigureAwait(false)).Live,
                                      async () => (await _table!.ReadNodesAsync().ConfigureAwait(false)).Live,
                                      _transferStore!, _options.Transfer, NodeId, _logger);
        _fetcher = new ObjectFetcher(_transferStore!, puller, _redis!, _logger);
        if (!(_options.TransparentGets ?? _ownedStore is not null)) return;
        try
        {
            _missingWatch = MissingObjectsWatch.Start(_storeSocket, OnMissing, _logger);
            _logger.LogInformation("transparent Gets on: the store reports the objects its Gets wait for, and this node pulls them");
        }
        catch (PlasmaConnectionException e)
        {
            _logger.LogWarning("transparent Gets off: cannot watch the store for missing objects ({Message})", e.Message);
        }
    }

    private void OnMissing(IReadOnlyList<ObjectId> ids, TimeSpan timeout)
    {
        // Runs on the watch's one reader thread, the only one that adds entries to _bringing.
        foreach (ObjectId id in ids)
        {
            if (_bringing.TryGetValue(id, out BringDeadline? running))
            {
                if (running.TryExtend(timeout)) continue; // the bring for an earlier Get now serves this one too
                _bringing.TryRemove(new KeyValuePair<ObjectId, BringDeadline>(id, running)); // it ran out
            }
            var deadline = new BringDeadline(timeout, RepeatedGetGrace);
            _bringing[id] = deadline;
            Bring(id, deadline);
        }
    }

    private void Bring(ObjectId id, BringDeadline deadline) => _ = Task.Run(async () =>
    {
        try
        {
            if (!await _fetcher!.BringAsync(id, deadline, _stopping.Token).ConfigureAwait(false))
                _logger.LogInformation("a local Get waited for {Id}, which no live node held within its timeout", id);
        }
        catch (StoreFullException e)
        {
            _logger.LogWarning("cannot bring {Id} for a local Get: {Message}", id, e.Message);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested) { }
        catch (Exception e) when (e is PlasmaException || IsRedisFailure(e))
        {
            _logger.LogWarning("cannot bring {Id} for a local Get: {Message}", id, e.Message);
        }
        finally
        {
            _bringing.TryRemove(new KeyValuePair<ObjectId, BringDeadline>(id, deadline));
            deadline.Dispose();
        }
    });

    // ------------------------------------------------------------------ publishing

    private async Task PublishLoopAsync(CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        var batch = new List<TableUpdate>(_options.BatchSize);
        ChannelReader<StoreEvent> reader = _events.Reader;
        while (!ct.IsCancellationRequested)
        {
            if (_needRepublish)
            {
                try
                {
                    _needRepublish = false;
                    await RepublishAsync(ct).ConfigureAwait(false);
                    RedisOk();
                    backoff = TimeSpan.FromMilliseconds(100);
                }
                catch (Exception e) when (IsRedisFailure(e))
                {
                    _needRepublish = true;
                    RedisFailed(e);
                    DiscardQueuedUpdates(); // the next republish reads the store's list anew
                    await Task.Delay(backoff, ct).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
                }
                continue;
            }
            if (!reader.TryPeek(out _))
            {
                // Wake up now and then to notice a republish asked for by the heartbeat or a reconnect.
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(TimeSpan.FromMilliseconds(250));
                try
                {
                    await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
                continue;
            }
            batch.Clear();
            long oldest = 0;
            while (batch.Count < _options.BatchSize && reader.TryPeek(out StoreEvent e))
            {
                if (e.Kind is StoreEventKind.StoreLost or StoreEventKind.StoreConnected)
                {
                    if (batch.Count > 0) break; // publish what came before it first
                    reader.TryRead(out _);
                    OnStoreChange(e.Kind);
                    break;
                }
                reader.TryRead(out _);
                if (oldest == 0) oldest = e.Timestamp;
                batch.Add(Apply(e));
            }
            if (batch.Count == 0) continue;
            try
            {
                if (!await _table!.PublishAsync(NodeId, batch).ConfigureAwait(false))
                {
                    _logger.LogWarning("node {Node} is not registered (expired or Redis restarted): registering and republishing", NodeId);
                    _needRepublish = true;
                    continue;
                }
                NodeInstruments.TableUpdates.Add(batch.Count, new KeyValuePair<string, object?>("node", NodeId));
                NodeInstruments.PublishDuration.Record(Stopwatch.GetElapsedTime(oldest).TotalSeconds, new KeyValuePair<string, object?>("node", NodeId));
                RedisOk();
            }
            catch (Exception e) when (IsRedisFailure(e))
            {
                RedisFailed(e);
                _needRepublish = true;
            }
        }
    }

    private TableUpdate Apply(StoreEvent e)
    {
        if (e.Kind == StoreEventKind.Sealed)
        {
            bool known = _sizes.TryGetValue(e.Id, out long previous);
            _sizes[e.Id] = e.Size;
            if (!known) Interlocked.Increment(ref _objectCount);
            Interlocked.Add(ref _usedBytes, e.Size - previous);
            return new TableUpdate(true, e.Id, e.Entry);
        }
        if (_sizes.Remove(e.Id, out long size))
        {
            Interlocked.Decrement(ref _objectCount);
            Interlocked.Add(ref _usedBytes, -size);
        }
        return new TableUpdate(false, e.Id, "");
    }

    private void OnStoreChange(StoreEventKind kind)
    {
        if (kind == StoreEventKind.StoreLost)
        {
            // The store's objects are gone with it: the republish removes this node's locations.
            _needRepublish = true;
            _ = ReconnectStoreAsync();
        }
        else
        {
            _needRepublish = true;
        }
    }

    private async Task ReconnectStoreAsync()
    {
        StoreConnection? old = _store;
        var lastLog = DateTimeOffset.MinValue;
        while (true)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                if (_redis is null || _table is null) return;
                var fresh = StoreConnection.Open(_storeSocket, _events.Writer, Digests, _logger, connectAttempts: 1);
                _store = fresh;
                old?.Dispose();
                _logger.LogInformation("reconnected to the store on {Socket}", _storeSocket);
                return;
            }
            catch (PlasmaException e)
            {
                if (DateTimeOffset.UtcNow - lastLog > DownLogInterval)
                {
                    _logger.LogWarning("store on {Socket} unreachable ({Message}); retrying every second", _storeSocket, e.Message);
                    lastLog = DateTimeOffset.UtcNow;
                }
            }
        }
    }

    /// <summary>Registers the node and makes its locations equal to the store's list: every sealed
    /// object written, every location the store no longer has removed.</summary>
    private async Task RepublishAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        DiscardQueuedUpdates(); // updates queued before the list is read are contained in it
        IReadOnlyList<ObjectInfo> objects = _store is { IsLost: false } store ? store.ListSealed() : [];
        await _table!.RegisterAsync(NodeId, _options.Ttl, NodeFieldsNow(includeStatic: true)).ConfigureAwait(false);

        _sizes.Clear();
        long used = 0;
        var present = new HashSet<string>(objects.Count, StringComparer.Ordinal);
        var batch = new List<TableUpdate>(_options.BatchSize);
        foreach (ObjectInfo o in objects)
        {
            _sizes[o.Id] = o.DataSize + o.MetadataSize;
            used += o.DataSize + o.MetadataSize;
            present.Add(o.Id.ToString());
            batch.Add(new TableUpdate(true, o.Id, LocationEntry.Encode(o.DataSize, o.MetadataSize, o.Digest.Span)));
            if (batch.Count == _options.BatchSize) await FlushAsync(batch).ConfigureAwait(false);
        }
        Interlocked.Exchange(ref _objectCount, objects.Count);
        Interlocked.Exchange(ref _usedBytes, used);
        await FlushAsync(batch).ConfigureAwait(false);

        int stale = 0;
        await foreach (var (oid, _) in _table.ScanNodeObjectsAsync(NodeId, ct).ConfigureAwait(false))
        {
            if (present.Contains(oid) || !ObjectId.TryParse(oid, out ObjectId id)) continue;
            batch.Add(new TableUpdate(false, id, ""));
            stale++;
            if (batch.Count == _options.BatchSize) await FlushAsync(batch).ConfigureAwait(false);
        }
        await FlushAsync(batch).ConfigureAwait(false);
        NodeInstruments.Republishes.Add(1, new KeyValuePair<string, object?>("node", NodeId));
        _logger.LogInformation("registered node {Node} and published its {Count} objects ({Stale} stale locations removed) in {Ms} ms",
            NodeId, objects.Count, stale, clock.ElapsedMilliseconds);
    }

    private async Task FlushAsync(List<TableUpdate> batch)
    {
        if (batch.Count == 0) return;
        if (!await _table!.PublishAsync(NodeId, batch).ConfigureAwait(false))
            throw new RedisException("the node entry vanished during the republish");
        NodeInstruments.TableUpdates.Add(batch.Count, new KeyValuePair<string, object?>("node", NodeId));
        batch.Clear();
    }

    // A lost store is kept: it starts the next republish (a connected one is covered by any republish).
    private void DiscardQueuedUpdates()
    {
        while (_events.Reader.TryPeek(out StoreEvent e) && e.Kind is StoreEventKind.Sealed or StoreEventKind.Deleted or StoreEventKind.StoreConnected)
            _events.Reader.TryRead(out _);
    }

    // ------------------------------------------------------------------ heartbeats

    private async Task HeartbeatLoopAsync(CancellationToken ct)
    {
        TimeSpan interval = _options.Ttl / 3;
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(interval, ct).ConfigureAwait(false);
            if (_needRepublish) continue;
            try
            {
                if (!await _table!.HeartbeatAsync(NodeId, _options.Ttl, NodeFieldsNow(includeStatic: false)).ConfigureAwait(false))
                {
                    _logger.LogWarning("node {Node}'s entry is gone (Redis restarted, or the node was taken for dead): registering and republishing", NodeId);
                    _needRepublish = true;
                    continue;
                }
                RedisOk();
                var (_, dead) = await _table.ReadNodesAsync().ConfigureAwait(false);
                if (dead.Count > 0 && Interlocked.Exchange(ref _cleaning, 1) == 0) _ = ForgetDeadAsync(dead, ct);
            }
            catch (Exception e) when (IsRedisFailure(e))
            {
                RedisFailed(e);
            }
        }
    }

    private async Task ForgetDeadAsync(List<string> dead, CancellationToken ct)
    {
        try
        {
            foreach (string node in dead)
                if (await _table!.ForgetNodeAsync(node, ct).ConfigureAwait(false))
                    _logger.LogInformation("removed the entries of dead node {Dead}", node);
        }
        catch (Exception e) when (IsRedisFailure(e) || e is OperationCanceledException)
        {
            _logger.LogDebug("cleanup of dead nodes interrupted: {Message}", e.Message);
        }
        finally
        {
            Volatile.Write(ref _cleaning, 0);
        }
    }

    private List<KeyValuePair<string, string>> NodeFieldsNow(bool includeStatic)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new(NodeFields.Used, UsedBytes.ToString(CultureInfo.InvariantCulture)),
            new(NodeFields.Objects, ObjectCount.ToString(CultureInfo.InvariantCulture)),
            new(NodeFields.Heartbeat, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)),
        };
        if (includeStatic)
        {
            fields.Add(new(NodeFields.Address, _address));
            fields.Add(new(NodeFields.Transfer, _transferAddress));
            fields.Add(new(NodeFields.Capacity, Capacity.ToString(CultureInfo.InvariantCulture)));
            fields.Add(new(NodeFields.Version, PlasmaTelemetry.Version));
            fields.Add(new(NodeFields.Started, _started.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));
            fields.Add(new(NodeFields.TtlMs, ((long)_options.Ttl.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)));
        }
        return fields;
    }

    // ------------------------------------------------------------------ Redis health

    internal static bool IsRedisFailure(Exception e) => e is RedisException or TimeoutException or ObjectDisposedException;

    private void RedisFailed(Exception e)
    {
        NodeInstruments.RedisErrors.Add(1, new KeyValuePair<string, object?>("node", NodeId));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        lock (_events)
        {
            if (_redisUp)
            {
                _redisUp = false;
                _redisDownSince = _redisDownLogged = now;
                _logger.LogWarning("Redis unreachable ({Message}); the local store keeps working; retrying with backoff (up to {Max} s)",
                    e.Message, MaxBackoff.TotalSeconds);
            }
            else if (now - _redisDownLogged > DownLogInterval)
            {
                _redisDownLogged = now;
                _logger.LogWarning("Redis still unreachable after {Seconds:F0} s ({Message}); still retrying", (now - _redisDownSince).TotalSeconds, e.Message);
            }
        }
    }

    private void RedisOk()
    {
        if (_redisUp) return;
        lock (_events)
        {
            if (_redisUp) return;
            _redisUp = true;
            _logger.LogInformation("Redis reachable again after {Seconds:F1} s", (DateTimeOffset.UtcNow - _redisDownSince).TotalSeconds);
        }
    }

    // ------------------------------------------------------------------ host

    private async Task WaitForHostStartedAsync(CancellationToken ct)
    {
        if (_services.GetService<IHostApplicationLifetime>() is not { } lifetime) return;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (ct.Register(() => started.TrySetCanceled(ct)))
            await started.Task.ConfigureAwait(false);
    }

    /// <summary>The address of /healthz and /metrics: the host's bound address that is not the object service's.</summary>
    private string? ServerAddress()
    {
        int? transferPort = _services.GetService<TransferEndpoint>()?.Listen?.IPEndPoint?.Port;
        return _services.GetService<Microsoft.AspNetCore.Hosting.Server.IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses
            .FirstOrDefault(a => transferPort is null || !a.EndsWith($":{transferPort}", StringComparison.Ordinal));
    }
}
