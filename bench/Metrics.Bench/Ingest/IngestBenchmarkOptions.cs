namespace Metrics.Bench.Ingest;

/// <summary>Settings of `metrics bench ingest`.</summary>
public sealed class IngestBenchmarkOptions
{
    /// <summary>Concurrent writers (one Write stream, one run each).</summary>
    public int Writers { get; init; } = 8;

    /// <summary>Points in total, across all writers.</summary>
    public int Points { get; init; } = 2_000_000;

    /// <summary>"scalar" (scalars only) or "mixed" (scalars with histograms and images).</summary>
    public string Kind { get; init; } = "scalar";

    /// <summary>Points per batch a writer sends (a SummaryWriter flush).</summary>
    public int BatchPoints { get; init; } = 2_000;

    /// <summary>Tags per writer.</summary>
    public int Tags { get; init; } = 10;

    /// <summary>Writers of the memory measurement (0 skips it).</summary>
    public int RssWriters { get; init; } = 100;

    /// <summary>A running ingest service (gRPC URL) instead of a private one; needs <see cref="Token"/> and <see cref="DatabaseUrl"/>.</summary>
    public Uri? Server { get; init; }

    public string? Token { get; init; }

    /// <summary>The database the baseline COPYs into (the service's database); a private PostgreSQL when null.</summary>
    public string? DatabaseUrl { get; init; }

    /// <summary>Progress lines (null: quiet).</summary>
    public TextWriter? Log { get; init; }
}
