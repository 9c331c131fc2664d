namespace Metrics.Bench.Soak;

/// <summary>What <see cref="SoakServices"/> starts, and where.</summary>
public sealed record SoakServicesOptions
{
    /// <summary>A migrated-or-empty database of its own (the stack migrates it).</summary>
    public required string DatabaseUrl { get; init; }

    /// <summary>Path of a service's built assembly by service folder name ("ingest", "query", "exporter").</summary>
    public required Func<string, string> Assembly { get; init; }

    /// <summary>Folder for logs (and the logdir unless <see cref="Logdir"/> is set).</summary>
    public required string WorkDirectory { get; init; }

    public string? Logdir { get; init; }

    public string Project { get; init; } = "soak";

    public int IngestReplicas { get; init; } = 1;

    public bool Query { get; init; } = true;

    public bool Exporter { get; init; } = true;

    /// <summary>Extra METRICS_* variables per service folder name (added to, or replacing, the defaults).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Environment { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();
}
