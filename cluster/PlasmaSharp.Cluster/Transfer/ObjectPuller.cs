using System.Collections.Concurrent;
using System.Security.Authentication;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace PlasmaSharp.Cluster.Transfer;

/// <summary>What a pull found.</summary>
internal enum PullOutcome
{
    /// <summary>The object is in the local store now, or being created there by someone else
    /// (a local producer or another puller): a local Get waits for its seal.</summary>
    InStore,
    /// <summary>No live node holds it (yet).</summary>
    NoHolder,
}

/// <summary>Copies objects from live holders into the local store: Create, write each chunk
/// straight into the created object as it arrives (feeding the native streaming digest on the way,
/// the one implementation of the Plasma digest), compare the digest with the holder's, Seal with
/// that digest (no second hash) — and Abort on any failure, so a half-copied object is never visible. Concurrent pulls of
/// one id share one transfer; the bytes in flight are bounded; each attempt picks a random live
/// holder (spreading a broadcast), and a failed attempt retries another holder with backoff.</summary>
internal sealed class ObjectPuller : IDisposable
{
    private readonly Func<ObjectId, Task<IReadOnlyList<ObjectLocation>>> _locate;
    private readonly Func<Task<IReadOnlyList<ClusterNodeInfo>>> _nodes;
    private readonly LocalStore _store;
    private readonly ObjectTransferOptions _options;
    private readonly string? _self;
    private readonly ILogger _logger;
    private readonly ByteBudget _budget;
    private readonly HolderChannels _channels;
    private readonly ConcurrentDictionary<ObjectId, SharedPull> _pulls = new();

    public ObjectPuller(Func<ObjectId, Task<IReadOnlyList<ObjectLocation>>> locate, Func<Task<IReadOnlyList<ClusterNodeInfo>>> nodes,
                        LocalStore store, ObjectTransferOptions options, string? selfNodeId, ILogger logger)
    {
        options.Validate();
        _locate = locate;
        _nodes = nodes;
        _store = store;
        _options = options;
        _self = selfNodeId;
        _logger = logger;
        _budget = new ByteBudget(options.MaxBytesInFlight);
        _channels = new HolderChannels(options.TrustedRoots);
    }

    /// <summary>Object bytes being copied right now.</summary>
    public long BytesInFlight => _budget.InFlight;

    /// <summary>Pulls <paramref name="id"/> unless a pull of it is already running (then waits for that
    /// one). Gives up when <paramref name="ct"/> is cancelled; the shared transfer stops once every
    /// waiter gave up.</summary>
    /// <exception cref="StoreFullException">The object does not fit in the local store even after evicting.</exception>
    public async Task<PullOutcome> PullAsync(ObjectId id, CancellationToken ct)
    {
        while (true)
        {
            SharedPull pull = _pulls.GetOrAdd(id, key => new SharedPull(this, key));
            if (!pull.Join()) continue; // it just finished: start (or join) a fresh one
            try
            {
                return await pull.Task.WaitAsync(ct).ConfigureAwait(false);
            }
            finally
            {
                pull.Leave();
            }
        }
    }

    /// <summary>Attempts until the object is local, nobody holds it, the store is full, or everyone waiting gave up.</summary>
    private async Task<PullOutcome> TransferAsync(ObjectId id, CancellationToken ct)
    {
        var failed = new HashSet<string>(StringComparer.Ordinal);
        TimeSpan delay = _options.RetryDelay;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            IReadOnlyList<(ObjectLocation Where, string Address)> holders;
            try
            {
                holders = await LiveHoldersAsync(id).ConfigureAwait(false);
            }
            catch (Exception e) when (PlasmaNodeAgent.IsRedisFailure(e))
            {
                _logger.LogWarning("cannot look up the holders of {Id}: Redis unreachable ({Message})", id, e.Message);
                return PullOutcome.NoHolder;
            }
            if (holders.Count == 0) return PullOutcome.NoHolder;
            var candidates = holders.Where(h => !failed.Contains(h.Where.NodeId)).ToList();
            if (candidates.Count == 0)
            {
                failed.Clear(); // every holder failed once: try them all again after the pause
                candidates = [.. holders];
            }
            var (where, address) = candidates[Random.Shared.Next(candidates.Count)];
            try
            {
                return await CopyFromAsync(id, where, address, ct).ConfigureAwait(false);
            }
            catch (TransferFailure e)
            {
                failed.Add(where.NodeId);
                _logger.LogWarning("pull of {Id} from node {Node} failed ({Message}); retrying in {Ms} ms", id, where.NodeId, e.Message, delay.TotalMilliseconds);
            }
            await Task.Delay(delay, ct).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(_options.MaxRetryDelay.Ticks, delay.Ticks * 2));
        }
    }

    private async Task<IReadOnlyList<(ObjectLocation, string)>> LiveHoldersAsync(ObjectId id)
    {
        IReadOnlyList<ObjectLocation> locations = await _locate(id).ConfigureAwait(false);
        if (locations.Count == 0) return [];
        Dictionary<string, string> addresses = (await _nodes().ConfigureAwait(false))
            .Where(n => n.TransferAddress.Length > 0).ToDictionary(n => n.Id, n => n.TransferAddress, StringComparer.Ordinal);
        return locations.Where(l => l.NodeId != _self && addresses.ContainsKey(l.NodeId))
                        .Select(l => (l, addresses[l.NodeId])).ToList();
    }

    /// <summary>One attempt from one holder.</summary>
    /// <exception cref="TransferFailure">The holder failed or sent bad bytes: the local copy was aborted.</exception>
    private async Task<PullOutcome> CopyFromAsync(ObjectId id, ObjectLocation where, string address, CancellationToken ct)
    {
        AsyncServerStreamingCall<ObjectChunk> call;
        try
        {
            call = _channels.For(address).Fetch(new FetchRequest { ObjectId = TransferIds.ToBytes(id) },
                                                BearerToken.Headers(_options.Token), cancellationToken: ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new TransferFailure($"cannot call {address}: {e.Message}", e);
        }
        using (call)
        {
            try
            {
                if (!await call.ResponseStream.MoveNext(ct).ConfigureAwait(false) || call.ResponseStream.Current.Header is not { } header)
                    throw new TransferFailure("the holder sent no header");
                using IDisposable budget = await _budget.AcquireAsync(header.DataSize + header.Metadata.Length, ct).ConfigureAwait(false);
                WritablePlasmaObject? created = Create(id, header);
                if (created is null) return PullOutcome.InStore;
                using (created) // disposed unsealed = aborted
                using (var digest = new StreamingDigest(header.DataSize))
                {
                    await ReceiveAsync(created, digest, header, call.ResponseStream.Current, call.ResponseStream, ct).ConfigureAwait(false);
                    created.SealWith(digest);
                }
                _logger.LogInformation("pulled {Id} ({Bytes} bytes) from node {Node}", id, header.DataSize, where.NodeId);
                return PullOutcome.InStore;
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !ct.IsCancellationRequested)
            {
                if (e.StatusCode is StatusCode.Unavailable or StatusCode.Internal) _channels.Forget(address);
                throw new TransferFailure(Describe(e), e);
            }
            catch (IOException e)
            {
                _channels.Forget(address);
                throw new TransferFailure(e.Message, e);
            }
        }
    }

    /// <summary>The gRPC status; for a holder certificate this puller refused, what was wrong with it
    /// and what to pass (gRPC reports it only as "Internal: Error starting gRPC call").</summary>
    private static string Describe(RpcException e)
    {
        for (Exception? inner = e.Status.DebugException; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationException refused)
                return $"TLS: {refused.Message} (trust the CA that signed the holder's certificate: --tls-ca, ObjectTransferOptions.TrustedRoots)";
        }
        return $"{e.StatusCode}: {e.Status.Detail}";
    }

    /// <summary>Creates the local copy; null when the id already exists locally (sealed, or being
    /// created by someone else: a local Get waits for it).</summary>
    private WritablePlasmaObject? Create(ObjectId id, ObjectHeader header)
    {
        try
        {
            // The store evicts unreferenced objects to make room; what still does not fit fails this request alone.
            return _store.Use(c => c.Create(id, header.DataSize, header.Metadata.Span));
        }
        catch (ObjectExistsException)
        {
            return null;
        }
    }

    /// <summary>Writes the chunks into the object and feeds <paramref name="digest"/> with them;
    /// returns once the bytes are all there and hash to the holder's digest.</summary>
    private static async Task ReceiveAsync(WritablePlasmaObject created, StreamingDigest digest, ObjectHeader header, ObjectChunk first,
                                           IAsyncStreamReader<ObjectChunk> stream, CancellationToken ct)
    {
        long offset = 0;
        ObjectChunk chunk = first;
        while (true)
        {
            offset = Write(created, digest, offset, chunk.Data.Span, header.DataSize);
            if (!await stream.MoveNext(ct).ConfigureAwait(false)) break;
            chunk = stream.Current;
        }
        if (offset != header.DataSize) throw new TransferFailure($"the stream ended after {offset} of {header.DataSize} bytes");
        byte[] got = digest.Value(header.Metadata.Span);
        if (!got.AsSpan().SequenceEqual(header.Digest.Span))
            throw new TransferFailure($"digest mismatch: the bytes hash to {Convert.ToHexStringLower(got)}, the holder's store says {Convert.ToHexStringLower(header.Digest.Span)}");
    }

    private static unsafe long Write(WritablePlasmaObject created, StreamingDigest digest, long offset, ReadOnlySpan<byte> data, long size)
    {
        if (data.Length > size - offset) throw new TransferFailure($"the holder sent more than the {size} bytes it announced");
        if (data.IsEmpty) return offset;
        byte* target = (byte*)created.DangerousGetDataPointer() + offset;
        data.CopyTo(new Span<byte>(target, data.Length));
        digest.Update(target, data.Length); // the copied bytes, still in cache
        return offset + data.Length;
    }

    public void Dispose() => _channels.Dispose();

    /// <summary>One transfer and the callers waiting for it; the transfer is cancelled when the last leaves.</summary>
    private sealed class SharedPull
    {
        private readonly ObjectPuller _owner;
        private readonly ObjectId _id;
        private readonly CancellationTokenSource _cancel = new();
        private readonly Lock _lock = new();
        private int _waiters;
        private bool _closed;
        private Task<PullOutcome>? _task;

        public SharedPull(ObjectPuller owner, ObjectId id)
        {
            _owner = owner;
            _id = id;
        }

        public Task<PullOutcome> Task => _task!;

        public bool Join()
        {
            lock (_lock)
            {
                if (_closed) return false;
                _waiters++;
                _task ??= RunAsync();
                return true;
            }
        }

        public void Leave()
        {
            lock (_lock)
            {
                if (--_waiters > 0 || _closed) return;
                _closed = true;
            }
            _cancel.Cancel();
            _owner._pulls.TryRemove(new KeyValuePair<ObjectId, SharedPull>(_id, this));
        }

        private async Task<PullOutcome> RunAsync()
        {
            await System.Threading.Tasks.Task.Yield();
            try
            {
                return await _owner.TransferAsync(_id, _cancel.Token).ConfigureAwait(false);
            }
            finally
            {
                lock (_lock) _closed = true;
                _owner._pulls.TryRemove(new KeyValuePair<ObjectId, SharedPull>(_id, this));
            }
        }
    }
}
