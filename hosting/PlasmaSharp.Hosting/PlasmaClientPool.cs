using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PlasmaSharp.Hosting;

/// <summary>A pool of <see cref="PlasmaClient"/> connections to one store (<c>AddPlasmaClient</c>).
/// Why a pool and not one client: a PlasmaClient is thread-safe and pipelines its threads' requests
/// on its one connection, but that connection's replies are read by one thread at a time and handed
/// to the others (the bench's four threads on one client reach 1.4-2.2x one thread on 2 cores), and
/// its waiting Gets take turns, so a service that waits on objects from many threads wants several
/// connections. Connections are opened lazily, on the first <see cref="Rent"/> that finds none
/// free, up to <see cref="PlasmaClientPoolOptions.PoolSize"/>.</summary>
public sealed class PlasmaClientPool : IDisposable
{
    private readonly PlasmaClientPoolOptions _options;
    private readonly ILogger<PlasmaClientPool> _logger;
    private readonly PlasmaStoreService? _hostedStore;
    private readonly ConcurrentBag<PlasmaClient> _idle = [];
    private readonly SemaphoreSlim _slots;
    private int _open;
    private volatile bool _disposed;

    /// <summary>Created by dependency injection (<c>AddPlasmaClient</c>).</summary>
    public PlasmaClientPool(IOptions<PlasmaClientPoolOptions> options, ILogger<PlasmaClientPool> logger,
                            PlasmaStoreService? hostedStore = null)
    {
        _options = options.Value;
        _logger = logger;
        _hostedStore = hostedStore;
        _slots = new SemaphoreSlim(_options.PoolSize, _options.PoolSize);
    }

    /// <summary>The store's socket: the configured one, else the hosted store's.</summary>
    public string SocketPath => _options.SocketPath ?? _hostedStore?.SocketPath
        ?? throw new InvalidOperationException("No Plasma store socket: set Plasma:Client:SocketPath or call AddPlasmaStore().");

    /// <summary>Connections at most.</summary>
    public int Size => _options.PoolSize;

    /// <summary>Connections open now.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>Takes a connection for the caller's exclusive use until the lease is disposed.
    /// Objects obtained through it stay valid after the lease is returned.</summary>
    /// <exception cref="TimeoutException">No connection became free within <see cref="PlasmaClientPoolOptions.RentTimeout"/>.</exception>
    /// <exception cref="PlasmaConnectionException">A new connection could not be opened.</exception>
    public PlasmaClientLease Rent(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_slots.Wait(_options.RentTimeout, cancellationToken)) throw RentTimedOut();
        return TakeSlot();
    }

    /// <summary>Async form of <see cref="Rent"/>: waits for a free connection without blocking a thread.</summary>
    public async ValueTask<PlasmaClientLease> RentAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!await _slots.WaitAsync(_options.RentTimeout, cancellationToken).ConfigureAwait(false)) throw RentTimedOut();
        return TakeSlot();
    }

    /// <summary>Runs <paramref name="action"/> on a rented connection. A connection that failed with
    /// <see cref="PlasmaConnectionException"/> (the store went away) is closed, not returned.</summary>
    public T Run<T>(Func<PlasmaClient, T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        using PlasmaClientLease lease = Rent();
        try
        {
            return action(lease.Client);
        }
        catch (PlasmaConnectionException)
        {
            lease.Discard();
            throw;
        }
    }

    private TimeoutException RentTimedOut() =>
        new($"All {_options.PoolSize} Plasma connections stayed in use for {_options.RentTimeout}; raise Plasma:Client:PoolSize or return leases sooner.");

    private PlasmaClientLease TakeSlot()
    {
        try
        {
            if (_idle.TryTake(out PlasmaClient? client)) return new PlasmaClientLease(this, client);
            string socket = SocketPath;
            client = PlasmaClient.Connect(socket, _options.ToClientOptions());
            int open = Interlocked.Increment(ref _open);
            _logger.LogDebug("Plasma connection {Open}/{Size} opened to {SocketPath}", open, _options.PoolSize, socket);
            return new PlasmaClientLease(this, client);
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    internal void Return(PlasmaClient client, bool discard)
    {
        if (discard || _disposed)
        {
            if (discard) _logger.LogWarning("Plasma connection to {SocketPath} closed after a connection failure", client.SocketPath);
            client.Dispose();
            Interlocked.Decrement(ref _open);
        }
        else
        {
            _idle.Add(client);
        }
        _slots.Release();
    }

    /// <summary>Closes the idle connections; rented ones close when their lease is disposed.</summary>
    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out PlasmaClient? client))
        {
            client.Dispose();
            Interlocked.Decrement(ref _open);
        }
    }
}

/// <summary>A connection rented from a <see cref="PlasmaClientPool"/>; dispose it to give it back.</summary>
public sealed class PlasmaClientLease : IDisposable
{
    private readonly PlasmaClientPool _pool;
    private PlasmaClient? _client;
    private bool _discard;

    internal PlasmaClientLease(PlasmaClientPool pool, PlasmaClient client)
    {
        _pool = pool;
        _client = client;
    }

    /// <summary>The connection (yours until this lease is disposed).</summary>
    public PlasmaClient Client => _client ?? throw new ObjectDisposedException(nameof(PlasmaClientLease));

    /// <summary>Closes the connection instead of returning it (after it failed with <see cref="PlasmaConnectionException"/>).</summary>
    public void Discard() => _discard = true;

    /// <summary>Gives the connection back to the pool (or closes it, after <see cref="Discard"/>).</summary>
    public void Dispose()
    {
        PlasmaClient? client = Interlocked.Exchange(ref _client, null);
        if (client is not null) _pool.Return(client, _discard);
    }
}
