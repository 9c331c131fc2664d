namespace Metrics.Ingest.Writing;

/// <summary>
/// Bytes of batches admitted but not yet committed, shared by all streams. A stream that would
/// exceed it waits (first come, first served), so its reader stops reading and HTTP/2 flow control
/// slows its writer: memory stays bounded however slow the database is. One batch bigger than the
/// whole budget is still admitted when nothing else is queued.
/// </summary>
internal sealed class ByteBudget(long capacity)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<(long Bytes, TaskCompletionSource Granted)> _waiters = new();
    private long _used;

    public long Used
    {
        get
        {
            lock (_lock)
            {
                return _used;
            }
        }
    }

    public async ValueTask AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        LinkedListNode<(long Bytes, TaskCompletionSource Granted)> node;
        lock (_lock)
        {
            if (_waiters.Count == 0 && (_used == 0 || _used + bytes <= capacity))
            {
                _used += bytes;
                return;
            }

            node = _waiters.AddLast((bytes, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)));
        }

        await using var registration = cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                if (node.List is null)
                {
                    return; // Granted already.
                }

                _waiters.Remove(node);
            }

            node.Value.Granted.TrySetCanceled(cancellationToken);
        });
        await node.Value.Granted.Task;
    }

    public void Release(long bytes)
    {
        List<TaskCompletionSource>? granted = null;
        lock (_lock)
        {
            _used -= bytes;
            while (_waiters.First is { } first && (_used == 0 || _used + first.Value.Bytes <= capacity))
            {
                _used += first.Value.Bytes;
                _waiters.RemoveFirst();
                (granted ??= []).Add(first.Value.Granted);
            }
        }

        foreach (var waiter in granted ?? [])
        {
            waiter.TrySetResult();
        }
    }
}
