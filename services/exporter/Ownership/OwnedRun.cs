using Metrics.Export;

namespace Metrics.Exporter.Ownership;

/// <summary>A run this replica holds the lock of: its session (open file) and scheduling state. Guarded by <see cref="RunOwnership"/>'s lock.</summary>
internal sealed class OwnedRun(long runId, long now)
{
    public long RunId { get; } = runId;

    public RunExportSession? Session { get; set; }

    /// <summary>The pass in flight, if any.</summary>
    public Task? Running { get; set; }

    /// <summary>Timestamp of the last pass's end (or of taking the run).</summary>
    public long LastActive { get; set; } = now;

    /// <summary>A pass is due at this timestamp even without a commit (deferred rewrite, retry after a failure).</summary>
    public long? DueAt { get; set; }

    /// <summary>Set by a pass that found the run gone or held elsewhere: the loop lets it go.</summary>
    public string? ReleaseReason { get; set; }

    public CancellationTokenSource Cancel { get; } = new();
}
