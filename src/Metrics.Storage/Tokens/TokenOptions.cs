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
}
