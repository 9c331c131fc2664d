namespace Metrics.Query.Blobs;

/// <summary>One blob of a step: its key (lowercase hex SHA-256, also its ETag), size, content type and URL.</summary>
internal sealed record BlobRef(string Key, long? Size, string ContentType, string Url);
