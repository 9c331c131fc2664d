namespace Metrics.Storage.Writes;

/// <summary>The run a writer writes to, and the writer's last committed batch seq (0 when new).</summary>
public sealed record OpenRunResult(long RunId, long LastCommittedSeq, bool RunCreated, bool WriterCreated);
