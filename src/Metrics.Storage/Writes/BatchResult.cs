namespace Metrics.Storage.Writes;

/// <summary>The outcome of one batch; for a rejection, the offending field (e.g. "batch.scalars[2].tag") and why.</summary>
public sealed record BatchResult(BatchOutcome Outcome, string? Field = null, string? Message = null)
{
    public static BatchResult Committed { get; } = new(BatchOutcome.Committed);

    public static BatchResult AlreadyCommitted { get; } = new(BatchOutcome.AlreadyCommitted);

    public static BatchResult Reject(string field, string message) => new(BatchOutcome.Rejected, field, message);

    /// <summary>True when the writer may be acked (committed now or before).</summary>
    public bool IsAckable => Outcome != BatchOutcome.Rejected;
}
