using System.Threading.Channels;

namespace Metrics.Storage.Commits;

/// <summary>Interest in one run (a live tail's): signalled, coalesced, whenever a commit touches the run. Dispose to unsubscribe.</summary>
public sealed class CommitSubscription : IDisposable
{
    private readonly Channel<bool> _signals = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Action<CommitSubscription> _unsubscribe;

    internal CommitSubscription(long runId, Action<CommitSubscription> unsubscribe)
    {
        RunId = runId;
        _unsubscribe = unsubscribe;
    }

    public long RunId { get; }

    internal void Signal() => _signals.Writer.TryWrite(true);

    /// <summary>Waits for a commit (true) or the timeout (false).</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (_signals.Reader.TryRead(out _))
        {
            return true;
        }

        using var timer = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await _signals.Reader.WaitToReadAsync(linked.Token);
            return _signals.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public void Dispose() => _unsubscribe(this);
}
