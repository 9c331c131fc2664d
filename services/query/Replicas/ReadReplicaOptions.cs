using System.ComponentModel.DataAnnotations;

namespace Metrics.Query.Replicas;

/// <summary>Where reads may go besides the primary (METRICS_DATABASE_READ_URL) and how long a read waits for a standby to catch up.</summary>
internal sealed class ReadReplicaOptions
{
    /// <summary>
    /// Standbys for reads, in any form METRICS_DATABASE_URL takes; each listed host is one server
    /// (docs/replicas.md). Unset: every read goes to the primary.
    /// </summary>
    [ConfigurationKeyName("DATABASE_READ_URL")]
    public string? ReadUrl { get; set; }

    /// <summary>How long a read waits for a standby to replay past the request's barrier before it reads the primary instead.</summary>
    [Range(0, 60_000)]
    [ConfigurationKeyName("READ_FRESHNESS_TIMEOUT_MS")]
    public int FreshnessTimeoutMs { get; set; } = 1000;
}
