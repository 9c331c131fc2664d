namespace Metrics.Query.Runs;

/// <summary>A process that wrote to the run (one per rank in distributed training).</summary>
internal sealed record RunWriter(string WriterId, long LastSeq, long Points, DateTime FirstSeenAt, DateTime LastWriteAt);
