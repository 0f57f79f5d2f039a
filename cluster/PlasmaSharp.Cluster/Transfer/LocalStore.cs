namespace PlasmaSharp.Cluster.Transfer;

/// <summary>A connection to this node's own store for serving and pulling objects, separate from
/// the agent's notification connection. Connected on first use and again after the store went
/// away. Objects a pull creates belong to this connection, so if the process dies the store
/// aborts them (the Plasma store drops a disconnected client's unsealed objects).</summary>
internal sealed class LocalStore(string socket) : IDisposable
{
    private readonly Lock _lock = new();
    private PlasmaClient? _client;
    private bool _disposed;

    public string Socket => socket;

    /// <summary>The connected client.</summary>
    /// <exception cref="PlasmaConnectionException">The store cannot be reached.</exception>
    public PlasmaClient Client
    {
        get
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return _client ??= PlasmaClient.Connect(socket, new PlasmaClientOptions
                {
                    ConnectAttempts = 3, ConnectRetryDelay = TimeSpan.FromMilliseconds(100),
                });
            }
        }
    }

    /// <summary>Runs <paramref name="call"/> on the client; a lost connection is dropped so the next call reconnects.</summary>
    public T Use<T>(Func<PlasmaClient, T> call)
    {
        PlasmaClient client = Client;
        try
        {
            return call(client);
        }
        catch (PlasmaConnectionException)
        {
            lock (_lock)
                if (ReferenceEquals(_client, client)) _client = null;
            client.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _client?.Dispose();
            _client = null;
        }
    }
}
