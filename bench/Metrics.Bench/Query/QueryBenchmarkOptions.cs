namespace Metrics.Bench.Query;

/// <summary>Sizes of `metrics bench query`: the long series, the many small ones, and the readers.</summary>
public sealed record QueryBenchmarkOptions
{
    /// <summary>Points of the long scalar series the headline figure reads.</summary>
    public int Points { get; init; } = 1_000_000;

    /// <summary>Runs × tags of short series loaded beside it (and read by the many-series figure).</summary>
    public int Runs { get; init; } = 100;

    public int TagsPerRun { get; init; } = 10;

    public int PointsPerTag { get; init; } = 1000;

    /// <summary>Concurrent readers and requests each makes.</summary>
    public int Readers { get; init; } = 8;

    public int RequestsPerReader { get; init; } = 250;

    /// <summary>max_points of each downsampled read.</summary>
    public int MaxPoints { get; init; } = 1000;

    /// <summary>Also measure read throughput spread over the primary and a streaming standby, beside the primary alone (replica_* figures).</summary>
    public bool Standby { get; init; }

    /// <summary>Where the private PostgreSQL lives (a temp folder, deleted after, when null).</summary>
    public string? DataDir { get; init; }

    /// <summary>Progress lines (null for none).</summary>
    public TextWriter? Log { get; init; }
}
