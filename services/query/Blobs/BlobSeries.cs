namespace Metrics.Query.Blobs;

/// <summary>A blob-sequence series in columns: blobs[i] lists the blobs of steps[i] in order.</summary>
internal sealed record BlobSeries(
    long RunId,
    string Tag,
    string PluginName,
    bool Downsampled,
    long PointsInRange,
    long[] Steps,
    double[] WallTimes,
    IReadOnlyList<IReadOnlyList<BlobRef>> Blobs);
