namespace Metrics.Exporter.Export;

/// <summary>The exporter's log messages.</summary>
internal static partial class ExporterLog
{
    [LoggerMessage(1, LogLevel.Information, "Exporting to logdir {Logdir} as replica {Replica}")]
    public static partial void Started(ILogger logger, string logdir, string replica);

    [LoggerMessage(2, LogLevel.Information, "Run {RunId} ({Project}/{Run}): {Kind}, {Points} points")]
    public static partial void Exported(ILogger logger, long runId, string project, string run, string kind, long points);

    [LoggerMessage(3, LogLevel.Warning, "Run {RunId}: another exporter holds it ({Reason}); letting it go")]
    public static partial void Conflict(ILogger logger, long runId, string reason);

    [LoggerMessage(4, LogLevel.Error, "Run {RunId} cannot be exported: {Reason}")]
    public static partial void Refused(ILogger logger, long runId, string reason);

    [LoggerMessage(5, LogLevel.Warning, "Run {RunId}: export failed, retrying")]
    public static partial void Failed(ILogger logger, Exception exception, long runId);

    [LoggerMessage(6, LogLevel.Warning, "Lock connection lost: dropping all {Count} runs")]
    public static partial void LocksLost(ILogger logger, int count);

    [LoggerMessage(8, LogLevel.Warning, "Scheduling loop failed; retrying")]
    public static partial void LoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(9, LogLevel.Information, "Took run {RunId}; holding {Held} runs")]
    public static partial void Took(ILogger logger, long runId, int held);

    [LoggerMessage(10, LogLevel.Information, "Released run {RunId} ({Reason})")]
    public static partial void Released(ILogger logger, long runId, string reason);

    [LoggerMessage(11, LogLevel.Information, "Run {RunId} ({Project}/{Run}) was deleted from the database: removed {Files} event files from {Folder}; folder removed: {FolderRemoved}")]
    public static partial void DeletedRunRemoved(ILogger logger, long runId, string project, string run, int files, string folder, bool folderRemoved);

    [LoggerMessage(12, LogLevel.Information, "Run {RunId} ({Project}/{Run}) was deleted from the database: its folder is left in place (METRICS_EXPORT_REMOVE_DELETED_RUNS=false)")]
    public static partial void DeletedRunKept(ILogger logger, long runId, string project, string run);

    [LoggerMessage(13, LogLevel.Warning, "Run {RunId} was deleted from the database; its folder is left in place: {Reason}")]
    public static partial void DeletedRunRefused(ILogger logger, long runId, string reason);

    [LoggerMessage(14, LogLevel.Warning, "Run {RunId}: could not mark it released; its next owner writes a new file generation")]
    public static partial void ReleaseFailed(ILogger logger, Exception exception, long runId);

    [LoggerMessage(15, LogLevel.Warning, "Run {RunId}: taken at epoch {Epoch} from {Owner}, which did not release it (lost lock or failover); writing a new file generation")]
    public static partial void Fenced(ILogger logger, long runId, long epoch, string owner);
}
