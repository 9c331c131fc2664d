using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Metrics.Storage;

/// <summary>Where the database is (METRICS_DATABASE_URL) and how many connections a process may hold.</summary>
public sealed class DatabaseOptions
{
    [Required(ErrorMessage = "METRICS_DATABASE_URL is not set: give the PostgreSQL URL, e.g. postgres://metrics@localhost:5432/metrics.")]
    [ConfigurationKeyName("DATABASE_URL")]
    public string Url { get; set; } = "";

    [Range(1, 1000)]
    [ConfigurationKeyName("DATABASE_MAX_POOL")]
    public int MaxPoolSize { get; set; } = 50;

    /// <summary>
    /// Connections the pool opens at start-up (ConnectionPoolWarmer) and keeps open when idle; null
    /// takes the service's default (8 for query, whose concurrent dashboard reads would otherwise each
    /// pay a new PostgreSQL backend; 0 elsewhere).
    /// </summary>
    [Range(0, 1000)]
    [ConfigurationKeyName("DATABASE_MIN_POOL")]
    public int? MinPoolSize { get; set; }

    [Range(1, 3600)]
    [ConfigurationKeyName("DATABASE_COMMAND_TIMEOUT_SECONDS")]
    public int CommandTimeoutSeconds { get; set; } = 60;
}
