namespace Metrics.Bench.TensorBoard;

/// <summary>Sizes of `metrics bench tensorboard`: the long series, the project of many runs, the readers.</summary>
public sealed record TensorBoardBenchmarkOptions
{
    /// <summary>Points of the long scalar series ReadScalars downsamples.</summary>
    public int Points { get; init; } = 1_000_000;

    /// <summary>Runs × tags of the project ListScalars lists (short series of PointsPerTag points).</summary>
    public int Runs { get; init; } = 1000;

    public int TagsPerRun { get; init; } = 10;

    public int PointsPerTag { get; init; } = 100;

    /// <summary>Concurrent readers (one gRPC channel or HTTP connection each) and requests each makes.</summary>
    public int Readers { get; init; } = 8;

    public int RequestsPerReader { get; init; } = 250;

    /// <summary>Downsample.num_points (and the REST max_points beside it).</summary>
    public int NumPoints { get; init; } = 1000;

    /// <summary>ListScalars calls timed one after another.</summary>
    public int ListCalls { get; init; } = 30;

    public string? DataDir { get; init; }

    public TextWriter? Log { get; init; }
}
