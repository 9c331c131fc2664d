namespace Metrics.LocalStack.Replication;

/// <summary>How a <see cref="LocalStandby"/> follows its primary.</summary>
public sealed record StandbyOptions
{
    /// <summary>The name the standby gives the primary (pg_stat_replication.application_name; what synchronous_standby_names lists).</summary>
    public string ApplicationName { get; init; } = "standby";

    /// <summary>Lag on purpose: each commit is applied this long after it was made (recovery_min_apply_delay); null for none.</summary>
    public TimeSpan? ApplyDelay { get; init; }

    /// <summary>Where the standby's cluster lives; a temp folder, deleted on dispose, when null.</summary>
    public string? DataDir { get; init; }
}
