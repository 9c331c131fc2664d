namespace Metrics.Bench.Soak;

/// <summary>The load of a soak: writers, pace, duration, and faults injected while it runs.</summary>
public sealed record SoakSettings
{
    public int Writers { get; init; } = 200;

    /// <summary>Runs the writers share (writer i writes run i mod Runs, a tag of its own).</summary>
    public int Runs { get; init; } = 20;

    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(5);

    public int PointsPerBatch { get; init; } = 50;

    /// <summary>Batches per second per writer (0: as fast as the window allows).</summary>
    public double BatchesPerSecond { get; init; } = 5;

    /// <summary>Unacknowledged batches a writer keeps in flight.</summary>
    public int Window { get; init; } = 8;

    /// <summary>Faults injected in turn while the writers write (none: a pure load test).</summary>
    public IReadOnlyList<SoakFault> Faults { get; init; } = [];

    /// <summary>Whether the faults start over once all were injected (false: each once, in order).</summary>
    public bool RepeatFaults { get; init; } = true;

    /// <summary>Time between two faults.</summary>
    public TimeSpan FaultInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the exporter may take to catch up after the writers finish.</summary>
    public TimeSpan ExportCatchUp { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>The run prefix of the writers' runs.</summary>
    public string RunPrefix { get; init; } = "load";
}
