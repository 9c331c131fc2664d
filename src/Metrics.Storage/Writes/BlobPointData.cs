namespace Metrics.Storage.Writes;

/// <summary>One blob-sequence point (e.g. [width, height, png...] for an image).</summary>
public sealed record BlobPointData(string Tag, long Step, double WallTime, IReadOnlyList<BlobValue> Blobs);
