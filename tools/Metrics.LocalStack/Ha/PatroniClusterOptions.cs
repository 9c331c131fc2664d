namespace Metrics.LocalStack.Ha;

/// <summary>The shape of a <see cref="PatroniCluster"/>: how many PostgreSQL servers and how fast a dead primary is replaced.</summary>
public sealed record PatroniClusterOptions
{
    /// <summary>PostgreSQL servers (2 or more): one primary, one synchronous standby, the rest asynchronous standbys.</summary>
    public int Nodes { get; init; } = 2;

    /// <summary>
    /// Patroni's leader key lifetime: a primary whose Patroni stops renewing it is replaced after
    /// about this long. Patroni wants loop_wait + 2 × retry_timeout ≤ ttl.
    /// </summary>
    public int TtlSeconds { get; init; } = 10;

    /// <summary>How often each Patroni looks at its server and the cluster.</summary>
    public int LoopWaitSeconds { get; init; } = 1;

    /// <summary>How long Patroni retries etcd and PostgreSQL calls before giving up on a loop.</summary>
    public int RetryTimeoutSeconds { get; init; } = 4;

    /// <summary>Folder for the cluster (a new one under the temp folder when null); deleted on dispose.</summary>
    public string? Directory { get; init; }

    /// <summary>The Patroni scope (cluster name), shown in every server's process titles.</summary>
    public string Scope { get; init; } = "metrics-ha";
}
