namespace Metrics.Export;

/// <summary>Where and how <see cref="RunExportSession"/> writes.</summary>
public sealed class LogdirExportOptions
{
    /// <summary>The logdir root: runs go to &lt;root&gt;/&lt;project&gt;/&lt;run name&gt;/.</summary>
    public required string Root { get; init; }

    /// <summary>Host part of event file names.</summary>
    public string HostName { get; init; } = Environment.MachineName;

    /// <summary>
    /// Who takes runs (recorded in export_state.owner): one process at a time per name. A run taken
    /// back by the same owner (its restarted process, or after its lock connection was lost and its
    /// sessions closed) resumes in its file; one taken from another owner that did not release it
    /// gets a new file generation, as that owner may still be writing the old file.
    /// </summary>
    public string Owner { get; init; } = Environment.MachineName;

    /// <summary>
    /// Takes an exclusive flock on a run's lock file while exporting it. False where the file system
    /// does not honour flock across hosts (METRICS_EXPORT_FILE_LOCKS=false): the owner epoch and new
    /// file generations then keep each run single-writer on their own.
    /// </summary>
    public bool LockFiles { get; init; } = true;

    /// <summary>Points written between two fsync + progress records.</summary>
    public int ChunkPoints { get; init; } = 100_000;

    /// <summary>Bytes (about) written between two fsync + progress records.</summary>
    public long ChunkBytes { get; init; } = 4 << 20;

    /// <summary>
    /// Shortest time between two rewrites of a run: late points arriving all the time would
    /// otherwise rewrite the run on every commit. Meanwhile new points are still appended.
    /// </summary>
    public TimeSpan RewriteDelay { get; init; } = TimeSpan.FromSeconds(5);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
