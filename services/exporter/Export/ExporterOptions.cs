using System.ComponentModel.DataAnnotations;

namespace Metrics.Exporter.Export;

/// <summary>The exporter's settings (METRICS_* environment variables, prefix removed).</summary>
public sealed class ExporterOptions
{
    /// <summary>The logdir root: runs go to &lt;LOGDIR&gt;/&lt;project&gt;/&lt;run name&gt;/.</summary>
    [Required(ErrorMessage = "METRICS_LOGDIR is not set: give the folder the exporter keeps the TensorBoard logdir in.")]
    [ConfigurationKeyName("LOGDIR")]
    public string Logdir { get; set; } = "";

    /// <summary>Only these projects (comma-separated); empty: every project.</summary>
    [ConfigurationKeyName("EXPORT_PROJECTS")]
    public string Projects { get; set; } = "";

    /// <summary>The safety-net scan for runs whose data moved on (NOTIFY is the fast path).</summary>
    [Range(0.05, 3600, ErrorMessage = "METRICS_EXPORT_POLL_SECONDS must be between 0.05 and 3600.")]
    [ConfigurationKeyName("EXPORT_POLL_SECONDS")]
    public double PollSeconds { get; set; } = 10;

    /// <summary>Runs exported at the same time by this replica.</summary>
    [Range(1, 256, ErrorMessage = "METRICS_EXPORT_PARALLEL_RUNS must be between 1 and 256.")]
    [ConfigurationKeyName("EXPORT_PARALLEL_RUNS")]
    public int ParallelRuns { get; set; } = 4;

    /// <summary>Most runs one replica holds (each holds an advisory lock and an open file).</summary>
    [Range(1, 100_000, ErrorMessage = "METRICS_EXPORT_MAX_RUNS must be between 1 and 100000.")]
    [ConfigurationKeyName("EXPORT_MAX_RUNS")]
    public int MaxRuns { get; set; } = 1000;

    /// <summary>A run without new data for this long is released (file closed, lock freed).</summary>
    [Range(0.1, 86_400, ErrorMessage = "METRICS_EXPORT_IDLE_RELEASE_SECONDS must be between 0.1 and 86400.")]
    [ConfigurationKeyName("EXPORT_IDLE_RELEASE_SECONDS")]
    public double IdleReleaseSeconds { get; set; } = 60;

    /// <summary>How often the lock connection is checked; a broken one drops every run at once.</summary>
    [Range(0.1, 60, ErrorMessage = "METRICS_EXPORT_LOCK_HEARTBEAT_SECONDS must be between 0.1 and 60.")]
    [ConfigurationKeyName("EXPORT_LOCK_HEARTBEAT_SECONDS")]
    public double LockHeartbeatSeconds { get; set; } = 2;

    /// <summary>Shortest time between two rewrites of one run (late points keep coming in distributed jobs).</summary>
    [Range(0, 3600, ErrorMessage = "METRICS_EXPORT_REWRITE_DELAY_SECONDS must be between 0 and 3600.")]
    [ConfigurationKeyName("EXPORT_REWRITE_DELAY_SECONDS")]
    public double RewriteDelaySeconds { get; set; } = 5;

    /// <summary>Points between two fsync + progress records.</summary>
    [Range(1, 10_000_000, ErrorMessage = "METRICS_EXPORT_CHUNK_POINTS must be between 1 and 10000000.")]
    [ConfigurationKeyName("EXPORT_CHUNK_POINTS")]
    public int ChunkPoints { get; set; } = 100_000;

    /// <summary>
    /// When an operator deletes a run from the database, remove the event files this exporter wrote for
    /// it and its then empty folders (docs/exporter.md); off: leave them in the logdir.
    /// </summary>
    [ConfigurationKeyName("EXPORT_REMOVE_DELETED_RUNS")]
    public bool RemoveDeletedRuns { get; set; } = true;

    /// <summary>
    /// Take an exclusive flock per run being exported (docs/exporter.md). Off for a logdir file system
    /// that does not honour flock across hosts or refuses it (NFS without lock service): the owner
    /// epoch and new file generations then keep each run single-writer on their own.
    /// </summary>
    [ConfigurationKeyName("EXPORT_FILE_LOCKS")]
    public bool FileLocks { get; set; } = true;

    /// <summary>This replica's name in event file names and in pg_stat_activity (default: host name).</summary>
    [RegularExpression("^[A-Za-z0-9._-]{0,60}$", ErrorMessage = "METRICS_EXPORT_REPLICA_ID must be up to 60 of [A-Za-z0-9._-].")]
    [ConfigurationKeyName("EXPORT_REPLICA_ID")]
    public string ReplicaId { get; set; } = "";

    /// <summary>The logdir root as an absolute path.</summary>
    public string LogdirRoot => Path.GetFullPath(Logdir);

    public string EffectiveReplicaId =>
        ReplicaId.Length > 0 ? ReplicaId : new string(Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').Take(60).ToArray());

    public IReadOnlySet<string> ProjectSet =>
        Projects.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
}
