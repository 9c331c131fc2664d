namespace Metrics.Query.Blobs;

/// <summary>
/// One blob of a step: its key (lowercase hex SHA-256, also its ETag), size, content type, its URL
/// (Authorization header needed) and a signed URL that works without one until <see cref="SignedUrlExpiresAt"/>.
/// </summary>
internal sealed record BlobRef(string Key, long? Size, string ContentType, string Url, string SignedUrl, long SignedUrlExpiresAt);
