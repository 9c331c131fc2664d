namespace Metrics.Storage.Chunks;

/// <summary>
/// A step range of one series as a downsampled read wants it: the chunks wholly inside the range
/// as their summaries (<see cref="Blocks"/>, never decoded), and the points of the chunks that cross
/// the range's edges decoded and clipped to it (<see cref="Head"/> before the first block,
/// <see cref="Tail"/> after the last). When no chunk lies wholly inside, every point is in Head.
/// </summary>
public sealed class ScalarChunkRange
{
    public List<ScalarChunkPoint> Head { get; } = [];

    public List<ChunkSummary> Blocks { get; } = [];

    public List<ScalarChunkPoint> Tail { get; } = [];

    /// <summary>Points in the range: Head, Tail and every block's count.</summary>
    public long PointCount => Head.Count + Tail.Count + Blocks.Sum(b => (long)b.Count);
}
