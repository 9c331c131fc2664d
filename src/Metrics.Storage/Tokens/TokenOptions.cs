using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Metrics.Storage;

/// <summary>The server-side secret mixed into token hashes (METRICS_TOKEN_PEPPER).</summary>
public sealed class TokenOptions
{
    [Required(ErrorMessage = "METRICS_TOKEN_PEPPER is not set: give a random secret of at least 16 characters (e.g. `openssl rand -hex 32`).")]
    [MinLength(16, ErrorMessage = "METRICS_TOKEN_PEPPER must be at least 16 characters.")]
    [ConfigurationKeyName("TOKEN_PEPPER")]
    public string Pepper { get; set; } = "";

    /// <summary>How long a verified token is trusted before it is looked up again (revocation delay).</summary>
    [Range(0, 3600)]
    [ConfigurationKeyName("TOKEN_CACHE_SECONDS")]
    public int CacheSeconds { get; set; } = 30;

    /// <summary>
    /// While the database cannot be reached (a failover), a token verified within this many seconds
    /// is still accepted from the cache after its cache period; 0 turns this off.
    /// </summary>
    [Range(0, 86400)]
    [ConfigurationKeyName("TOKEN_OUTAGE_GRACE_SECONDS")]
    public int OutageGraceSeconds { get; set; } = 600;
}
