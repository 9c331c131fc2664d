namespace Metrics.Storage.Chunks;

/// <summary>
/// What a downsampled read needs of a chunk without decoding it: the same first, last, min, max
/// (NaN ignored, ±Infinity kept, ties to the earlier step) and first NaN points as the query
/// service's ScalarBucket keeps, so a chunk summary merges into a bucket as a block summary does.
/// </summary>
public readonly record struct ChunkSummary(
    int Count,
    ScalarChunkPoint First,
    ScalarChunkPoint Last,
    ScalarChunkPoint? Min,
    ScalarChunkPoint? Max,
    ScalarChunkPoint? FirstNaN)
{
    public long FirstStep => First.Step;

    public long LastStep => Last.Step;

    public double FirstValue => First.Value;

    public double LastValue => Last.Value;

    public double FirstWallTime => First.WallTime;

    public double LastWallTime => Last.WallTime;

    /// <summary>The smallest non-NaN value; null when every value is NaN.</summary>
    public double? MinValue => Min?.Value;

    /// <summary>The largest non-NaN value; null when every value is NaN.</summary>
    public double? MaxValue => Max?.Value;

    public long? FirstNaNStep => FirstNaN?.Step;
}
