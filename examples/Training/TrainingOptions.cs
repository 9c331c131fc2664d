namespace Metrics.Examples.Training;

/// <summary>Where the job logs and how long it trains.</summary>
public sealed record TrainingOptions
{
    /// <summary>Ingest gRPC URL; null with <see cref="LogDirectory"/> writes event files instead.</summary>
    public Uri? Server { get; init; }

    public string? Token { get; init; }

    public string? Project { get; init; }

    /// <summary>Offline mode: a TensorBoard logdir.</summary>
    public string? LogDirectory { get; init; }

    /// <summary>Runs are <c>&lt;prefix&gt;/neuron</c> and <c>&lt;prefix&gt;/mlp</c>.</summary>
    public string RunPrefix { get; init; } = "example/" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);

    public int NeuronSteps { get; init; } = 300;

    public int MlpSteps { get; init; } = 600;

    public int Hidden { get; init; } = 16;

    public float LearningRate { get; init; } = 0.05f;

    public int PointsPerClass { get; init; } = 150;

    public int Seed { get; init; } = 42;

    /// <summary>Steps between histograms and images.</summary>
    public int DetailEvery { get; init; } = 25;

    /// <summary>
    /// Train into the runs again from step 0 (a restart at step 0 supersedes what an earlier job
    /// logged there), so a fixed <see cref="RunPrefix"/> keeps one pair of runs however often it runs.
    /// </summary>
    public bool ReplaceRuns { get; init; }

    /// <summary>Where the writers log (null: the SDK's default, warnings on standard error).</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The writers' journal root (null: the SDK's default).</summary>
    public string? JournalDirectory { get; init; }

    /// <summary>Called with each writer as soon as it exists (for a caller that watches connections).</summary>
    public Action<Metrics.Client.SummaryWriter>? WriterCreated { get; init; }
}
