namespace Metrics.Storage.Writes;

/// <summary>
/// Every commit that touches a run sends NOTIFY on <see cref="Channel"/> with the run id as payload
/// (delivered at commit): the query service's live tail and the exporter LISTEN to it.
/// </summary>
public static class CommitNotifications
{
    public const string Channel = "metrics_commits";
}
