using Microsoft.Extensions.Logging;

namespace Metrics.Ingest.Telemetry;

/// <summary>Structured, source-generated log messages of the ingest service.</summary>
internal static partial class IngestLog
{
    [LoggerMessage(2, LogLevel.Information, "Run {RunId} '{RunName}' opened by writer {WriterId} (project {ProjectId}, last seq {LastSeq})")]
    public static partial void RunOpened(ILogger logger, long runId, string runName, string writerId, long projectId, long lastSeq);

    [LoggerMessage(3, LogLevel.Information, "Batch rejected for run {RunId} writer {WriterId} seq {Seq}: {Field}: {Reason}")]
    public static partial void BatchRejected(ILogger logger, long runId, string writerId, ulong seq, string field, string reason);

    [LoggerMessage(4, LogLevel.Warning, "Database call failed transiently (attempt {Attempt}); retrying in {Delay}")]
    public static partial void StorageRetry(ILogger logger, Exception exception, int attempt, TimeSpan delay);

    [LoggerMessage(5, LogLevel.Error, "Commit of {Batches} batches failed; their streams get {Status}")]
    public static partial void CommitFailed(ILogger logger, Exception exception, int batches, string status);

    [LoggerMessage(6, LogLevel.Warning, "Storage circuit opened for {Duration}: writers get Unavailable until it closes")]
    public static partial void CircuitOpened(ILogger logger, TimeSpan duration);

    [LoggerMessage(7, LogLevel.Information, "Storage circuit closed")]
    public static partial void CircuitClosed(ILogger logger);

    [LoggerMessage(8, LogLevel.Information, "Shutting down: committing {Batches} queued batches")]
    public static partial void Draining(ILogger logger, long batches);

    [LoggerMessage(9, LogLevel.Debug, "Write stream of run {RunId} writer {WriterId} ended: {Status}")]
    public static partial void StreamEnded(ILogger logger, long runId, string writerId, string status);

    [LoggerMessage(10, LogLevel.Warning, "Write stream of run {RunId} writer {WriterId} failed unexpectedly")]
    public static partial void StreamFailed(ILogger logger, Exception exception, long runId, string writerId);

    [LoggerMessage(11, LogLevel.Information, "Deleted {Chunks} orphan blob chunks ({Bytes} bytes) of {Writers} writers idle for more than {Age}")]
    public static partial void OrphanChunksDeleted(ILogger logger, long chunks, long bytes, long writers, TimeSpan age);

    [LoggerMessage(12, LogLevel.Warning, "Orphan blob chunk cleanup failed; retrying in {Interval}")]
    public static partial void OrphanChunkCleanupFailed(ILogger logger, Exception exception, TimeSpan interval);

    [LoggerMessage(13, LogLevel.Debug, "Compaction merged {Rows} scalar rows into {Chunks} chunks ({Skipped} series busy, left for the next pass)")]
    public static partial void ScalarsCompacted(ILogger logger, int rows, int chunks, int skipped);

    [LoggerMessage(14, LogLevel.Warning, "Scalar chunk compaction failed; retrying in {Interval}")]
    public static partial void CompactionFailed(ILogger logger, Exception exception, TimeSpan interval);
}
