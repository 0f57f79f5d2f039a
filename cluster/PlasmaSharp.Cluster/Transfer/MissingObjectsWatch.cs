using Microsoft.Extensions.Logging;

namespace PlasmaSharp.Cluster.Transfer;

/// <summary>The node side of transparent Gets: a reader thread over this node's store's
/// missing-objects watch (<see cref="StoreMissingWatch"/>: the native client speaks the store
/// extension, native/protocol/wire.h) that hands each report - the ids a local Get waits for and
/// the store does not have, with that Get's timeout - to a callback. Only our store knows the
/// request (Arrow's aborts on it), so the agent starts this on stores it knows to be ours.</summary>
internal sealed class MissingObjectsWatch : IDisposable
{
    // How often the reader looks at _stopping while no report comes: what Dispose waits at most.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private readonly StoreMissingWatch _watch;
    private readonly Thread _reader;
    private readonly Action<IReadOnlyList<ObjectId>, TimeSpan> _onMissing;
    private readonly ILogger _logger;
    private volatile bool _stopping;

    private MissingObjectsWatch(StoreMissingWatch watch, Action<IReadOnlyList<ObjectId>, TimeSpan> onMissing, ILogger logger)
    {
        _watch = watch;
        _onMissing = onMissing;
        _logger = logger;
        _reader = new Thread(Read) { IsBackground = true, Name = "plasma-node missing objects" };
    }

    /// <summary>Connects, asks for reports and starts reading them; <paramref name="onMissing"/> runs on
    /// the reader thread (it must not block) with the ids and the waiting Get's timeout (infinite for -1).</summary>
    /// <exception cref="PlasmaConnectionException">The store is not reachable.</exception>
    public static MissingObjectsWatch Start(string storeSocket, Action<IReadOnlyList<ObjectId>, TimeSpan> onMissing, ILogger logger)
    {
        var watch = new MissingObjectsWatch(StoreMissingWatch.Open(storeSocket), onMissing, logger);
        watch._reader.Start();
        return watch;
    }

    private void Read()
    {
        try
        {
            while (!_stopping)
            {
                if (_watch.TryRead(PollInterval) is { } missing) _onMissing(missing.Ids, missing.GetTimeout);
            }
        }
        catch (PlasmaConnectionException e)
        {
            if (!_stopping) _logger.LogWarning("the missing-objects watch on the store ended: {Message}", e.Message);
        }
        catch (PlasmaException e)
        {
            _logger.LogError("the store sent something unexpected on the missing-objects watch; stopped: {Message}", e.Message);
        }
        catch (ObjectDisposedException) when (_stopping) { }
    }

    public void Dispose()
    {
        _stopping = true;
        if (_reader.IsAlive && Thread.CurrentThread != _reader) _reader.Join(TimeSpan.FromSeconds(2));
        _watch.Dispose();
    }
}
