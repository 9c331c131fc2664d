using System.ComponentModel.DataAnnotations;

namespace Metrics.Query.Blobs;

/// <summary>Signed blob URLs (METRICS_BLOB_URL_*): how long a listed blob's signed_url works, and the key that signs it.</summary>
internal sealed class BlobUrlOptions
{
    /// <summary>Seconds a signed blob URL stays valid after it is listed (rounded up to a whole minute, so URLs stay stable for browser caches).</summary>
    [Range(10, 86_400, ErrorMessage = "METRICS_BLOB_URL_TTL_SECONDS must be between 10 and 86400 seconds.")]
    [ConfigurationKeyName("BLOB_URL_TTL_SECONDS")]
    public int TtlSeconds { get; set; } = 900;

    /// <summary>The signing secret; empty: derived from METRICS_TOKEN_PEPPER (every replica sharing the pepper accepts the others' URLs).</summary>
    [MinLength(32, ErrorMessage = "METRICS_BLOB_URL_SECRET must be at least 32 characters (e.g. `openssl rand -hex 32`), or unset to derive it from METRICS_TOKEN_PEPPER.")]
    [ConfigurationKeyName("BLOB_URL_SECRET")]
    public string? Secret { get; set; }
}
