using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using PlasmaSharp.Interop;

namespace PlasmaSharp;

/// <summary>A connection to a Plasma store (this project's <c>plasma-store</c> or Arrow's
/// <c>plasma-store-server</c> 0.17-11.0). Thread-safe: every method may be called from many
/// threads at once. Dispose closes the connection; objects already obtained stay readable until
/// they are disposed themselves.
/// <para>One connection serves one request at a time (as libplasma does): while a Get waits for an
/// object, other calls on the same client, including the release of objects, wait for it. GetAsync
/// waits in bounded slices (<see cref="PlasmaClientOptions.AsyncPollInterval"/>) so others get turns; for
/// long synchronous waits, or waits on many threads, use a separate PlasmaClient.</para></summary>
public sealed unsafe partial class PlasmaClient : IDisposable
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
    public static string NativeVersion => Marshal.PtrToStringUTF8((nint)NativeMethods.ps_version()) ?? "";

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
        ClientHandle handle = ConnectNative(socketPath, Math.Max(1, options.ConnectAttempts),
                                            (long)options.ConnectRetryDelay.TotalMilliseconds);
        return Configure(handle, socketPath, options, creation);
    }

    private static ClientHandle ConnectNative(string socketPath, int attempts, long retryDelayMs)
    {
        byte[] path = ToCString(socketPath);
        ps_client* client = null;
        ps_error* error = null;
        int code;
        fixed (byte* p = path) code = NativeMethods.ps_client_connect(p, attempts, retryDelayMs, &client, &error);
        NativeStatus.Check(code, error, $"socket {socketPath}", connecting: true);
        return new ClientHandle(client);
    }

    private static PlasmaClient Configure(ClientHandle handle, string socketPath, PlasmaClientOptions options,
                                          LeakRecord? creation)
    {
        handle.Leak = creation?.For(typeof(PlasmaClient), null, $"PlasmaClient on {socketPath}");
        try
        {
            if (options.ClientName is not null || options.OutputMemoryQuota > 0)
            {
                byte[] name = ToCString(options.ClientName ?? "");
                ps_error* error = null;
                int code;
                fixed (byte* n = name)
                    code = NativeMethods.ps_client_set_options(handle.Pointer, n, options.OutputMemoryQuota, &error);
                NativeStatus.Check(code, error, "SetOptions");
            }
            return new PlasmaClient(handle, socketPath, options);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    internal static byte[] ToCString(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    /// <summary>Closes the connection now (the store releases everything this client held and drops
    /// its unsealed objects). Later calls fail with <see cref="PlasmaConnectionException"/>.</summary>
    public void Disconnect()
    {
        using var lease = Lease();
        ps_error* error = null;
        NativeStatus.Check(NativeMethods.ps_client_disconnect(_handle.Pointer, &error), error);
    }

    /// <summary>Closes the connection and frees the client (objects obtained earlier stay readable).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposeCounted, 1) == 0) ClientInstruments.Disconnected(_socketPath);
        _handle.Dispose();
    }

    private HandleLease Lease()
    {
        _handle.ThrowIfDisposed(this);
        return new HandleLease(_handle);
    }

    // ---------------------------------------------------------------- store-wide

    /// <summary>The store's capacity in bytes.</summary>
    public long Capacity
    {
        get
        {
            using var lease = Lease();
            long capacity;
            ps_error* error = null;
            NativeStatus.Check(NativeMethods.ps_client_store_capacity(_handle.Pointer, &capacity, &error), error);
            return capacity;
        }
    }

    /// <summary>The store's free-form debug text (quota and LRU statistics).</summary>
    public string GetDebugString()
    {
        using var lease = Lease();
        byte* text = null;
        ps_error* error = null;
        NativeStatus.Check(NativeMethods.ps_client_debug_string(_handle.Pointer, &text, &error), error);
        try
        {
            return Marshal.PtrToStringUTF8((nint)text) ?? "";
        }
        finally
        {
            NativeMethods.ps_string_free(text);
        }
    }

    /// <summary>Every object in the store (a snapshot), with sizes, ref counts and seal state.</summary>
    public IReadOnlyList<ObjectInfo> List()
    {
        ps_object_list* raw = null;
        using (var lease = Lease())
        {
            ps_error* error = null;
            NativeStatus.Check(NativeMethods.ps_client_list(_handle.Pointer, &raw, &error), error);
        }
        using var list = new ObjectListHandle(raw);
        long count = NativeMethods.ps_object_list_count(raw);
        var result = new ObjectInfo[count];
        for (long i = 0; i < count; i++)
        {
            ps_object_info info;
            ps_error* error = null;
            NativeStatus.Check(NativeMethods.ps_object_list_get(raw, i, &info, &error), error);
            result[i] = NativeConversions.ToObjectInfo(info);
        }
        return result;
    }

    /// <summary>Evicts least-recently-used unreferenced objects until at least
    /// <paramref name="bytes"/> are free; returns the bytes actually freed.</summary>
    /// <param name="bytes">How many bytes to free.</param>
    public long Evict(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        using var lease = Lease();
        long freed = 0;
        ps_error* error = null;
        NativeStatus.Check(NativeMethods.ps_client_evict(_handle.Pointer, bytes, &freed, &error), error);
        return freed;
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
        ps_object* created = null;
        using (var lease = Lease())
        {
            ps_error* error = null;
            int code;
            fixed (byte* m = metadata)
                code = NativeMethods.ps_client_create(_handle.Pointer, (byte*)&id, dataSize, m, metadata.Length,
                                                      EvictFlag, &created, &error);
            NativeStatus.Check(code, error, id);
        }
        var handle = new ObjectHandle(created, abortOnRelease: true);
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

    private byte EvictFlag => _options.EvictIfFull ? (byte)1 : (byte)0;

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
        using var lease = Lease();
        ps_error* error = null;
        int code;
        fixed (byte* d = data)
        fixed (byte* m = metadata)
            code = NativeMethods.ps_client_create_and_seal(_handle.Pointer, (byte*)&id, d, data.Length, m,
                                                           metadata.Length, EvictFlag, &error);
        NativeStatus.Check(code, error, id);
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
    {
        _handle.ThrowIfDisposed(this);
        int n = items.Count;
        if (n == 0) return;
        var ids = new ObjectId[n];
        var datas = new nint[n];
        var dataSizes = new long[n];
        var metas = new nint[n];
        var metaSizes = new long[n];
        var pins = new System.Buffers.MemoryHandle[2 * n];
        try
        {
            for (int i = 0; i < n; i++)
            {
                ids[i] = items[i].Id;
                pins[2 * i] = items[i].Data.Pin();
                pins[2 * i + 1] = items[i].Metadata.Pin();
                datas[i] = (nint)pins[2 * i].Pointer;
                dataSizes[i] = items[i].Data.Length;
                metas[i] = (nint)pins[2 * i + 1].Pointer;
                metaSizes[i] = items[i].Metadata.Length;
            }
            using var lease = Lease();
            ps_error* error = null;
            int code;
            fixed (ObjectId* idp = ids)
            fixed (nint* dp = datas)
            fixed (long* dsp = dataSizes)
            fixed (nint* mp = metas)
            fixed (long* msp = metaSizes)
                code = NativeMethods.ps_client_create_and_seal_batch(_handle.Pointer, (byte*)idp, n, (byte**)dp, dsp,
                                                                     (byte**)mp, msp, EvictFlag, &error);
            NativeStatus.Check(code, error, $"batch of {n} objects");
        }
        finally
        {
            foreach (var pin in pins) pin.Dispose();
        }
    }

    /// <summary>True when the store holds a sealed object with this id.</summary>
    /// <param name="id">The id.</param>
    public bool Contains(ObjectId id)
    {
        long start = ClientInstruments.Start();
        try
        {
            using var lease = Lease();
            byte has = 0;
            ps_error* error = null;
            NativeStatus.Check(NativeMethods.ps_client_contains(_handle.Pointer, (byte*)&id, &has, &error), error, id);
            ClientInstruments.Completed(start, "contains", _socketPath);
            return has != 0;
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

    private DeleteResult[] DeleteCore(ReadOnlySpan<ObjectId> ids)
    {
        _handle.ThrowIfDisposed(this);
        var results = new int[ids.Length];
        if (ids.IsEmpty) return [];
        using (var lease = Lease())
        {
            ps_error* error = null;
            int code;
            fixed (ObjectId* idp = ids)
            fixed (int* r = results)
                code = NativeMethods.ps_client_delete(_handle.Pointer, (byte*)idp, ids.Length, r, &error);
            NativeStatus.Check(code, error);
        }
        var mapped = new DeleteResult[ids.Length];
        for (int i = 0; i < mapped.Length; i++) mapped[i] = (DeleteResult)results[i];
        return mapped;
    }

    /// <summary>Deletes one object now, or throws why it could not: <see cref="ObjectNotFoundException"/>,
    /// <see cref="ObjectInUseException"/> or <see cref="ObjectNotSealedException"/> (in the last two
    /// cases the store still deletes it once it is sealed and released).</summary>
    /// <param name="id">The id.</param>
    public void DeleteOrThrow(ObjectId id)
    {
        DeleteResult result = Delete(id);
        if (result != DeleteResult.Deleted) throw NativeStatus.ToException((int)result, null, $"object {id}");
    }

    /// <summary>Marks objects as recently used, so eviction takes them last (unknown ids are ignored).</summary>
    /// <param name="ids">The ids.</param>
    public void Refresh(ReadOnlySpan<ObjectId> ids)
    {
        _handle.ThrowIfDisposed(this);
        if (ids.IsEmpty) return;
        using var lease = Lease();
        ps_error* error = null;
        int code;
        fixed (ObjectId* idp = ids) code = NativeMethods.ps_client_refresh(_handle.Pointer, (byte*)idp, ids.Length, &error);
        NativeStatus.Check(code, error);
    }

    /// <summary>The object's 8-byte digest, as the Plasma client computes it (XXH64 based).</summary>
    /// <param name="id">The id of a sealed object.</param>
    /// <exception cref="ObjectNotFoundException">No such sealed object.</exception>
    public byte[] Hash(ObjectId id)
    {
        var digest = new byte[8];
        using var lease = Lease();
        ps_error* error = null;
        int code;
        fixed (byte* d = digest) code = NativeMethods.ps_client_hash(_handle.Pointer, (byte*)&id, d, &error);
        NativeStatus.Check(code, error, id);
        return digest;
    }

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
        _handle.ThrowIfDisposed(this);
        long timeoutMs = ToMilliseconds(timeout);
        var raw = new nint[ids.Length];
        if (ids.IsEmpty) return [];
        using (var lease = Lease())
        {
            ps_error* error = null;
            int code;
            fixed (ObjectId* idp = ids)
            fixed (nint* o = raw)
                code = NativeMethods.ps_client_get(_handle.Pointer, (byte*)idp, ids.Length, timeoutMs, (ps_object**)o, &error);
            if (ids.Length == 1) NativeStatus.Check(code, error, ids[0]);
            else NativeStatus.Check(code, error);
        }
        var handles = new ObjectHandle?[raw.Length];
        for (int i = 0; i < raw.Length; i++)
            if (raw[i] != 0) handles[i] = new ObjectHandle((ps_object*)raw[i]);
        var result = new PlasmaObject?[raw.Length];
        try
        {
            for (int i = 0; i < raw.Length; i++)
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
        ps_subscription* raw = null;
        using var lease = Lease();
        ps_error* error = null;
        NativeStatus.Check(NativeMethods.ps_client_subscribe(_handle.Pointer, &raw, &error), error);
        var handle = new SubscriptionHandle(raw)
        {
            Leak = creation?.For(typeof(PlasmaSubscription), null, $"PlasmaSubscription on {_socketPath}"),
        };
        return new PlasmaSubscription(handle, _options.AsyncPollInterval);
    }
}
