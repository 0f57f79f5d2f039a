namespace PlasmaSharp.Cluster.Transfer;

/// <summary>Bounds the object bytes being pulled at once: a pull waits until its object fits in
/// what is left; an object larger than the whole budget goes alone, once nothing else is in flight.</summary>
internal sealed class ByteBudget(long capacity)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<(long Bytes, TaskCompletionSource Ready)> _waiting = new();
    private long _inFlight;

    public long InFlight
    {
        get { lock (_lock) return _inFlight; }
    }

    /// <summary>Waits for room for <paramref name="bytes"/>; dispose the result to give them back.</summary>
    public async Task<IDisposable> AcquireAsync(long bytes, CancellationToken ct)
    {
        TaskCompletionSource ready;
        LinkedListNode<(long, TaskCompletionSource)> node;
        lock (_lock)
        {
            if (_waiting.Count == 0 && Fits(bytes))
            {
                _inFlight += bytes;
                return new Lease(this, bytes);
            }
            ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _waiting.AddLast((bytes, ready));
        }
        try
        {
            await ready.Task.WaitAsync(ct).ConfigureAwait(false);
            return new Lease(this, bytes);
        }
        catch (OperationCanceledException)
        {
            lock (_lock)
            {
                if (node.List is not null)
                {
                    _waiting.Remove(node);
                    throw;
                }
            }
            Release(bytes); // granted just as the wait was cancelled
            throw;
        }
    }

    private bool Fits(long bytes) => _inFlight == 0 || _inFlight + bytes <= capacity;

    private void Release(long bytes)
    {
        lock (_lock)
        {
            _inFlight -= bytes;
            // First come, first served: a large object at the head is not overtaken forever by small ones.
            while (_waiting.First is { } head && Fits(head.Value.Bytes))
            {
                _waiting.RemoveFirst();
                _inFlight += head.Value.Bytes;
                head.Value.Ready.TrySetResult();
            }
        }
    }

    private sealed class Lease(ByteBudget budget, long bytes) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) budget.Release(bytes);
        }
    }
}
