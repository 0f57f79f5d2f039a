using System.Diagnostics;
using PlasmaSharp.Interop;

namespace PlasmaSharp;

// The async members: they only call the synchronous members (a native wait blocks its thread, so
// they wait in bounded slices on dedicated threads).
public sealed partial class PlasmaClient
{
    /// <summary>Connects like <see cref="Connect"/>, but waits between attempts asynchronously and
    /// honours <paramref name="cancellationToken"/> (each native attempt is a single try).</summary>
    /// <param name="socketPath">The store's Unix socket.</param>
    /// <param name="options">Connection and behaviour options (null = defaults).</param>
    /// <param name="cancellationToken">Cancels the retries.</param>
    /// <exception cref="PlasmaConnectionException">No store accepted the connection.</exception>
    public static async Task<PlasmaClient> ConnectAsync(string socketPath, PlasmaClientOptions? options = null,
                                                        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        options = (options ?? new PlasmaClientOptions()).Clone();
        LeakRecord? creation = LeakRecord.CaptureIf(options.TrackLeaks || PlasmaDiagnostics.TrackLeaks);
        int attempts = Math.Max(1, options.ConnectAttempts);
        for (int attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                ClientHandle handle = NativeProxy.ps_client_connect(socketPath, 1, 0);
                return Configure(handle, socketPath, options, creation);
            }
            catch (PlasmaConnectionException) when (attempt < attempts)
            {
                await Task.Delay(options.ConnectRetryDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Gets an object without blocking the caller: native waits of at most
    /// <see cref="PlasmaClientOptions.AsyncPollInterval"/> run on the thread pool, and the token is
    /// checked between them. Returns null when the object is not available within <paramref name="timeout"/>.</summary>
    /// <param name="id">The id.</param>
    /// <param name="timeout">How long to wait at most; <see cref="Timeout.InfiniteTimeSpan"/> = until cancelled.</param>
    /// <param name="cancellationToken">Cancels the wait (OperationCanceledException).</param>
    public async Task<PlasmaObject?> GetAsync(ObjectId id, TimeSpan timeout, CancellationToken cancellationToken = default)
        => (await GetAsync([id], timeout, cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Async form of <see cref="Get(ReadOnlySpan{ObjectId}, TimeSpan)"/>; objects already
    /// obtained are kept while the others are waited for. On cancellation every object obtained so far is released.
    /// The waiting happens on a dedicated thread, never on the thread pool.</summary>
    /// <param name="ids">The ids.</param>
    /// <param name="timeout">How long to wait at most; <see cref="Timeout.InfiniteTimeSpan"/> = until cancelled.</param>
    /// <param name="cancellationToken">Cancels the wait (OperationCanceledException).</param>
    public Task<PlasmaObject?[]> GetAsync(IReadOnlyList<ObjectId> ids, TimeSpan timeout,
                                          CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        _handle.ThrowIfDisposed(this);
        long timeoutMs = ToMilliseconds(timeout);
        ObjectId[] wantedIds = ids.ToArray();
        LeakRecord? creation = LeakRecord.CaptureIf(TracksLeaks);
        // The native Get blocks its thread. A dedicated (LongRunning) thread does the waiting so the
        // thread pool is never starved by pending Gets; the token is checked between bounded waits.
        return Task.Factory.StartNew(() => WaitForObjects(wantedIds, timeoutMs, creation, cancellationToken), cancellationToken,
                                     TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private PlasmaObject?[] WaitForObjects(ObjectId[] ids, long timeoutMs, LeakRecord? creation, CancellationToken cancellationToken)
    {
        long sliceMs = Math.Max(1, ToMilliseconds(_options.AsyncPollInterval));
        var result = new PlasmaObject?[ids.Length];
        long start = Stopwatch.GetTimestamp();
        long measured = ClientInstruments.Start();
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var missing = new List<int>();
                for (int i = 0; i < result.Length; i++) if (result[i] is null) missing.Add(i);
                if (missing.Count == 0)
                {
                    RecordGet(measured, result);
                    return result;
                }

                long remaining = timeoutMs < 0 ? long.MaxValue
                    : timeoutMs - (long)Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                long wait = Math.Clamp(remaining, 0, sliceMs);
                ObjectId[] wanted = missing.Select(i => ids[i]).ToArray();
                PlasmaObject?[] got = GetCore(wanted, TimeSpan.FromMilliseconds(wait), creation);
                for (int k = 0; k < got.Length; k++) result[missing[k]] = got[k];
                if (remaining <= wait) // that was the last slice
                {
                    RecordGet(measured, result);
                    return result;
                }
            }
        }
        catch (Exception e) when (ClientInstruments.Failed(measured, "get", _socketPath, e) || true)
        {
            foreach (var obj in result) obj?.Dispose();
            throw;
        }
    }
}
