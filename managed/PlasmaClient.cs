using PlasmaSharp.Interop;

namespace PlasmaSharp;

/// <summary>A connection to a Plasma store (this project's <c>plasma-store</c> or Arrow's
/// <c>plasma-store-server</c> 0.17-11.0). Thread-safe: every method may be called from many
/// threads at once. Dispose closes the connection; objects already obtained stay readable until
/// they are disposed themselves.
/// <para>Requests are pipelined on the one connection: while a Get waits for an object, other calls
/// on the same client go ahead (libplasma's client makes them wait). Waiting Gets of one client take
/// turns (the real Arrow 11 store aborts when a connection with two waiting Gets disconnects), so
/// for waits on many threads at once use a PlasmaClient per thread. GetAsync waits in bounded
/// slices (<see cref="PlasmaClientOptions.AsyncPollInterval"/>) so its cancellation token is
/// honoured.</para></summary>
public sealed partial class PlasmaClient : IDisposable
{
    private readonly ClientHandle _handle;
    private readonly PlasmaClientOptions _options;
    private readonly string _socketPath;
    private int _subscribed;
    private int _disposeCounted;

    private PlasmaClient(ClientHandle handle, string socketPath, PlasmaClientOptions options)
    {
        _handle = handle;
        _socketPath = socketPath;
        _options = options;
        ClientInstruments.Connected(socketPath);
    }

    /// <summary>The socket path this client connected to.</summary>
    public string SocketPath
    {
        get
        {
            _handle.ThrowIfDisposed(this);
            return _socketPath;
        }
    }

    /// <summary>True when leak tracking is on for this client (its options or process-wide).</summary>
    private bool TracksLeaks => _options.TrackLeaks || PlasmaDiagnostics.TrackLeaks;

    /// <summary>The native library's version string (e.g. "0.1.0").</summary>
    public static string NativeVersion => NativeProxy.ps_version();

    // ---------------------------------------------------------------- connect

    /// <summary>Connects to the store listening on <paramref name="socketPath"/>, retrying
    /// <see cref="PlasmaClientOptions.ConnectAttempts"/> times (blocking).</summary>
    /// <param name="socketPath">The store's Unix socket.</param>
    /// <param name="options">Connection and behaviour options (null = defaults).</param>
    /// <exception cref="PlasmaConnectionException">No store accepted the connection.</exception>
    public static PlasmaClient Connect(string socketPath, PlasmaClientOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        options = (options ?? new PlasmaClientOptions()).Clone();
        LeakRecord? creation = LeakRecord.CaptureIf(options.TrackLeaks || PlasmaDiagnostics.TrackLeaks);
        ClientHandle handle = NativeProxy.ps_client_connect(socketPath, Math.Max(1, options.ConnectAttempts),
                                                            (long)options.ConnectRetryDelay.TotalMilliseconds);
        return Configure(handle, socketPath, options, creation);
    }

    private static PlasmaClient Configure(ClientHandle handle, string socketPath, PlasmaClientOptions options,
                                          LeakRecord? creation)
    {
        handle.Leak = creation?.For(typeof(PlasmaClient), null, $"PlasmaClient on {socketPath}");
        try
        {
            // SetOptions carries a name and a quota together, and both stores take a quota of 0 as
            // "nothing fits": a name alone is not sent.
            if (options.OutputMemoryQuota > 0)
                NativeProxy.ps_client_set_options(handle, options.ClientName ?? "", options.OutputMemoryQuota);
            return new PlasmaClient(handle, socketPath, options);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Closes the connection now (the store releases everything this client held and drops
    /// its unsealed objects). Later calls fail with <see cref="PlasmaConnectionException"/>.</summary>
    public void Disconnect() => NativeProxy.ps_client_disconnect(Handle);

    /// <summary>Closes the connection and frees the client (objects obtained earlier stay readable).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposeCounted, 1) == 0) ClientInstruments.Disconnected(_socketPath);
        _handle.Dispose();
    }

    /// <summary>The handle for a native call, after checking that this client was not disposed
    /// (the proxy leases it for the call itself).</summary>
    private ClientHandle Handle
    {
        get
        {
            _handle.ThrowIfDisposed(this);
            return _handle;
        }
    }

    // ---------------------------------------------------------------- store-wide

    /// <summary>The store's capacity in bytes.</summary>
    public long Capacity => NativeProxy.ps_client_store_capacity(Handle);

    /// <summary>The store's free-form debug text (quota and LRU statistics).</summary>
    public string GetDebugString() => NativeProxy.ps_client_debug_string(Handle);

    /// <summary>Every object in the store (a snapshot), with sizes, ref counts and seal state.</summary>
    public IReadOnlyList<ObjectInfo> List() => NativeProxy.ps_client_list(Handle);

    /// <summary>Evicts least-recently-used unreferenced objects until at least
    /// <paramref name="bytes"/> are free; returns the bytes actually freed.</summary>
    /// <param name="bytes">How many bytes to free.</param>
    public long Evict(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        return NativeProxy.ps_client_evict(Handle, bytes);
    }

    // ---------------------------------------------------------------- per object

    /// <summary>Creates an unsealed object of <paramref name="dataSize"/> bytes and returns it for
    /// writing in place. Seal it to publish it; disposing it unsealed aborts it.</summary>
    /// <param name="id">The new object's id.</param>
    /// <param name="dataSize">Data size in bytes (may exceed 2 GiB).</param>
    /// <param name="metadata">Metadata, copied in now.</param>
    /// <exception cref="ObjectExistsException">The id is taken.</exception>
    /// <exception cref="StoreFullException">No room.</exception>
    public WritablePlasmaObject Create(ObjectId id, long dataSize, ReadOnlySpan<byte> metadata = default)
    {
        long start = ClientInstruments.Start();
        try
        {
            WritablePlasmaObject created = CreateCore(id, dataSize, metadata);
            ClientInstruments.Completed(start, "create", _socketPath, dataSize);
            return created;
        }
        catch (Exception e) when (ClientInstruments.Failed(start, "create", _socketPath, e)) { throw; }
    }

    private WritablePlasmaObject CreateCore(ObjectId id, long dataSize, ReadOnlySpan<byte> metadata)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(dataSize);
        LeakRecord? creation = LeakRecord.CaptureIf(TracksLeaks);
        ObjectHandle handle = NativeProxy.ps_client_create(Handle, id, dataSize, metadata, _options.EvictIfFull);
        try
        {
            var result = new WritablePlasmaObject(ObjectMapping.FromHandle(handle));
            handle.Leak = creation?.For(typeof(WritablePlasmaObject), id, $"WritablePlasmaObject {id} ({dataSize} data bytes)");
            return result;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Stores <paramref name="data"/> as a new sealed object: one CreateAndSeal round trip up to
    /// <see cref="PlasmaClientOptions.CreateAndSealThreshold"/> bytes, Create + copy-and-seal into shared memory above.</summary>
    /// <param name="id">The new object's id.</param>
    /// <param name="data">The bytes.</param>
    /// <param name="metadata">Metadata (may be empty).</param>
    /// <exception cref="ObjectExistsException">The id is taken.</exception>
    /// <exception cref="StoreFullException">No room.</exception>
    public void Put(ObjectId id, ReadOnlySpan<byte> data, ReadOnlySpan<byte> metadata = default)
    {
        long start = ClientInstruments.Start();
        try
        {
            PutCore(id, data, metadata);
        }
        catch (Exception e) when (ClientInstruments.Failed(start, "put", _socketPath, e)) { throw; }
        ClientInstruments.Completed(start, "put", _socketPath, data.Length);
    }

    private void PutCore(ObjectId id, ReadOnlySpan<byte> data, ReadOnlySpan<byte> metadata)
    {
        if (data.Length > _options.CreateAndSealThreshold)
        {
            using WritablePlasmaObject created = CreateCore(id, data.Length, metadata);
            created.WriteAndSeal(data);
            return;
        }
        NativeProxy.ps_client_create_and_seal(Handle, id, data, metadata, _options.EvictIfFull);
    }

    /// <summary>Creates and seals several objects in one round trip (all or none).</summary>
    /// <param name="items">The objects.</param>
    /// <exception cref="ObjectExistsException">One of the ids is taken (nothing was stored).</exception>
    public void PutBatch(IReadOnlyList<PlasmaPutItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        long start = ClientInstruments.Start();
        try
        {
            PutBatchCore(items);
        }
        catch (Exception e) when (ClientInstruments.Failed(start, "put_batch", _socketPath, e)) { throw; }
        if (start != 0) ClientInstruments.Completed(start, "put_batch", _socketPath, items.Sum(item => (long)item.Data.Length));
    }

    private void PutBatchCore(IReadOnlyList<PlasmaPutItem> items)
        => NativeProxy.ps_client_create_and_seal_batch(Handle, items, _options.EvictIfFull);

    /// <summary>True when the store holds a sealed object with this id.</summary>
    /// <param name="id">The id.</param>
    public bool Contains(ObjectId id)
    {
        long start = ClientInstruments.Start();
        try
        {
            bool has = NativeProxy.ps_client_contains(Handle, id);
            ClientInstruments.Completed(start, "contains", _socketPath);
            return has;
        }
        catch (Exception e) when (ClientInstruments.Failed(start, "contains", _socketPath, e)) { throw; }
    }

    /// <summary>Deletes one object; see <see cref="DeleteResult"/> for deferred deletions.</summary>
    /// <param name="id">The id.</param>
    public DeleteResult Delete(ObjectId id) => Delete(new ReadOnlySpan<ObjectId>(in id))[0];

    /// <summary>Deletes several objects; returns one result per id, in order.</summary>
    /// <param name="ids">The ids.</param>
    public DeleteResult[] Delete(ReadOnlySpan<ObjectId> ids)
    {
        long start = ClientInstruments.Start();
        try
        {
            DeleteResult[] results = DeleteCore(ids);
            ClientInstruments.Completed(start, "delete", _socketPath);
            return results;
        }
        catch (Exception e) when (ClientInstruments.Failed(start, "delete", _socketPath, e)) { throw; }
    }

    private DeleteResult[] DeleteCore(ReadOnlySpan<ObjectId> ids) => NativeProxy.ps_client_delete(Handle, ids);

    /// <summary>Deletes one object now, or throws why it could not: <see cref="ObjectNotFoundException"/>,
    /// <see cref="ObjectInUseException"/> or <see cref="ObjectNotSealedException"/> (in the last two
    /// cases the store still deletes it once it is sealed and released).</summary>
    /// <param name="id">The id.</param>
    public void DeleteOrThrow(ObjectId id)
    {
        DeleteResult result = Delete(id);
        if (result != DeleteResult.Deleted) throw NativeStatus.Map((PlasmaErrorCode)result, "", $"object {id}");
    }

    /// <summary>Marks objects as recently used, so eviction takes them last (unknown ids are ignored).</summary>
    /// <param name="ids">The ids.</param>
    public void Refresh(ReadOnlySpan<ObjectId> ids) => NativeProxy.ps_client_refresh(Handle, ids);

    /// <summary>The object's 8-byte digest, as the Plasma client computes it (XXH64 based).</summary>
    /// <param name="id">The id of a sealed object.</param>
    /// <exception cref="ObjectNotFoundException">No such sealed object.</exception>
    public byte[] Hash(ObjectId id) => NativeProxy.ps_client_hash(Handle, id);

    // ---------------------------------------------------------------- get

    /// <summary>Gets a sealed object, waiting up to <paramref name="timeout"/> for it to be created
    /// and sealed. Returns null when it is not available in time (as pyarrow reports it).</summary>
    /// <param name="id">The id.</param>
    /// <param name="timeout">TimeSpan.Zero = just look; <see cref="Timeout.InfiniteTimeSpan"/> = wait forever.</param>
    public PlasmaObject? Get(ObjectId id, TimeSpan timeout) => Get(new ReadOnlySpan<ObjectId>(in id), timeout)[0];

    /// <summary>Gets several objects with one wait of at most <paramref name="timeout"/>; the result has
    /// one entry per id, null for each object not available in time. Dispose every object you get.</summary>
    /// <param name="ids">The ids.</param>
    /// <param name="timeout">TimeSpan.Zero = just look; <see cref="Timeout.InfiniteTimeSpan"/> = wait forever.</param>
    public PlasmaObject?[] Get(ReadOnlySpan<ObjectId> ids, TimeSpan timeout)
    {
        long start = ClientInstruments.Start();
        try
        {
            PlasmaObject?[] got = GetCore(ids, timeout, LeakRecord.CaptureIf(TracksLeaks));
            RecordGet(start, got);
            return got;
        }
        catch (Exception e) when (ClientInstruments.Failed(start, "get", _socketPath, e)) { throw; }
    }

    /// <summary>Records a completed Get (sync or async) with the data bytes it returned.</summary>
    private void RecordGet(long start, PlasmaObject?[] got)
    {
        if (start == 0) return;
        long bytes = 0;
        foreach (PlasmaObject? obj in got) bytes += obj?.DataLength ?? 0;
        ClientInstruments.Completed(start, "get", _socketPath, bytes, read: true);
    }

    /// <summary>Get with the caller's creation stack already captured (GetAsync captures it on the
    /// caller's thread, before the wait moves to a dedicated one).</summary>
    private PlasmaObject?[] GetCore(ReadOnlySpan<ObjectId> ids, TimeSpan timeout, LeakRecord? creation)
    {
        ClientHandle client = Handle;
        long timeoutMs = ToMilliseconds(timeout);
        ObjectHandle?[] handles = NativeProxy.ps_client_get(client, ids, timeoutMs);
        var result = new PlasmaObject?[handles.Length];
        try
        {
            for (int i = 0; i < handles.Length; i++)
                if (handles[i] is { } h)
                {
                    result[i] = new PlasmaObject(ObjectMapping.FromHandle(h));
                    h.Leak = creation?.For(typeof(PlasmaObject), ids[i], $"PlasmaObject {ids[i]} ({result[i]!.DataLength} data bytes)");
                }
            return result;
        }
        catch
        {
            foreach (var h in handles) h?.Dispose();
            throw;
        }
    }

    internal static long ToMilliseconds(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan) return -1;
        if (timeout < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(timeout), "Use TimeSpan.Zero to poll or Timeout.InfiniteTimeSpan to wait forever.");
        return (long)Math.Ceiling(timeout.TotalMilliseconds);
    }

    // ---------------------------------------------------------------- notifications

    /// <summary>Subscribes this connection to seal and delete notifications. Right after subscribing
    /// the store reports every object already sealed. Allowed once per client (the store does not
    /// support a second subscription on one connection); dispose the subscription when done.</summary>
    /// <exception cref="InvalidOperationException">This client already subscribed.</exception>
    public PlasmaSubscription Subscribe()
    {
        _handle.ThrowIfDisposed(this);
        LeakRecord? creation = LeakRecord.CaptureIf(TracksLeaks);
        if (Interlocked.Exchange(ref _subscribed, 1) != 0)
            throw new InvalidOperationException("This PlasmaClient already subscribed; the Plasma store allows one subscription per connection. Connect another client.");
        SubscriptionHandle handle = NativeProxy.ps_client_subscribe(Handle);
        handle.Leak = creation?.For(typeof(PlasmaSubscription), null, $"PlasmaSubscription on {_socketPath}");
        return new PlasmaSubscription(handle, _options.AsyncPollInterval);
    }
}
