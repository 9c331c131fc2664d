namespace Metrics.Storage.Commits;

/// <summary>Interest in every commit (the exporter's): see <see cref="CommitFeed.Watch"/>. Dispose to stop.</summary>
public sealed class CommitWatch : IDisposable
{
    private readonly Action<CommitWatch> _unwatch;

    internal CommitWatch(Action<long> committed, Action listening, Action<CommitWatch> unwatch)
    {
        Committed = committed;
        Listening = listening;
        _unwatch = unwatch;
    }

    internal Action<long> Committed { get; }

    internal Action Listening { get; }

    public void Dispose() => _unwatch(this);
}
