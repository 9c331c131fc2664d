namespace Metrics.Storage.Writes;

/// <summary>The outcome of one group commit: one result per batch, in input order, and what was written.</summary>
public sealed class CommitResult
{
    public required IReadOnlyList<BatchResult> Batches { get; init; }

    public long ScalarPoints { get; init; }

    public long TensorPoints { get; init; }

    public long BlobPoints { get; init; }

    /// <summary>True when rows went through the staging-table upsert (late or replaced steps).</summary>
    public bool UsedSlowPath { get; init; }
}
