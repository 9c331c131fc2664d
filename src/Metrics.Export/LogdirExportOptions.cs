namespace Metrics.Export;

/// <summary>Where and how <see cref="RunExportSession"/> writes.</summary>
public sealed class LogdirExportOptions
{
    /// <summary>The logdir root: runs go to &lt;root&gt;/&lt;project&gt;/&lt;run name&gt;/.</summary>
    public required string Root { get; init; }

    /// <summary>Host part of event file names.</summary>
    public string HostName { get; init; } = Environment.MachineName;

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
