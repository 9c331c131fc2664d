namespace Metrics.Storage.Writes;

/// <summary>
/// One numbered unit of exactly-once delivery from one writer to one run: committed whole or not
/// at all. Batches of one writer are numbered 1, 2, 3 … without gaps.
/// </summary>
public sealed class WriteBatch
{
    public required long RunId { get; init; }

    public required string WriterId { get; init; }

    public required long Seq { get; init; }

    /// <summary>A restart (SessionLog START) at this step, applied before this batch's points.</summary>
    public long? RestartAtStep { get; init; }

    public IReadOnlyList<SeriesDefinition> Metadata { get; init; } = [];

    public IReadOnlyList<ScalarPoints> Scalars { get; init; } = [];

    public IReadOnlyList<TensorPointData> Tensors { get; init; } = [];

    public IReadOnlyList<BlobPointData> Blobs { get; init; } = [];

    public IReadOnlyList<BlobChunkData> BlobChunks { get; init; } = [];

    /// <summary>Scalar, tensor and blob points in the batch.</summary>
    public int PointCount
    {
        get
        {
            var count = Tensors.Count + Blobs.Count;
            foreach (var series in Scalars)
            {
                count += series.Count;
            }

            return count;
        }
    }
}
