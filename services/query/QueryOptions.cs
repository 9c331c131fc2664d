using System.ComponentModel.DataAnnotations;

namespace Metrics.Query;

/// <summary>Settings of the query service (METRICS_* environment variables); query timeouts are METRICS_DATABASE_COMMAND_TIMEOUT_SECONDS.</summary>
internal sealed class QueryOptions
{
    /// <summary>METRICS_DATABASE_MIN_POOL of the query service when it is not set: one backend per concurrent reader of a typical dashboard.</summary>
    public const int DefaultMinPoolSize = 8;

    /// <summary>Sustained requests per second a token may make (token bucket refill).</summary>
    [Range(1, 1_000_000)]
    [ConfigurationKeyName("RATE_LIMIT_PER_SECOND")]
    public int RateLimitPerSecond { get; set; } = 100;

    /// <summary>Requests a token may make at once before the sustained rate applies.</summary>
    [Range(1, 1_000_000)]
    [ConfigurationKeyName("RATE_LIMIT_BURST")]
    public int RateLimitBurst { get; set; } = 400;

    /// <summary>Scalar series with more points than this are downsampled from their chunks' stored summaries.</summary>
    [Range(1024, int.MaxValue)]
    [ConfigurationKeyName("SUMMARY_THRESHOLD_POINTS")]
    public int SummaryThresholdPoints { get; set; } = 65_536;

    /// <summary>Memory cap of the cached chunk summaries of long series, in blocks (about 140 bytes each); 0 turns the cache off.</summary>
    [Range(0, int.MaxValue)]
    [ConfigurationKeyName("SUMMARY_CACHE_MAX_BLOCKS")]
    public int SummaryCacheMaxBlocks { get; set; } = 500_000;

    /// <summary>How many run × tag series one POST scalars/query may ask for.</summary>
    [Range(1, 100_000)]
    [ConfigurationKeyName("MAX_SERIES_PER_QUERY")]
    public int MaxSeriesPerQuery { get; set; } = 1000;

    /// <summary>Seconds between keep-alive comments on a live tail; each also re-checks for points.</summary>
    [Range(1, 3600)]
    [ConfigurationKeyName("STREAM_HEARTBEAT_SECONDS")]
    public int StreamHeartbeatSeconds { get; set; } = 15;
}
