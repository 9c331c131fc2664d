using System.Threading.Channels;

namespace Metrics.Query.Stream;

/// <summary>A live tail's interest in one run: signalled (coalesced) whenever a commit touches the run.</summary>
internal sealed class CommitSubscription(long runId, Action<CommitSubscription> unsubscribe) : IDisposable
{
    private readonly Channel<bool> _signals = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public long RunId { get; } = runId;

    public void Signal() => _signals.Writer.TryWrite(true);

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

    public void Dispose() => unsubscribe(this);
}
