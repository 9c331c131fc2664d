namespace Metrics.Bench.Storage;

/// <summary>Settings of `metrics bench storage`.</summary>
public sealed class StorageBenchmarkOptions
{
    /// <summary>Scalar points in total, shared equally by the curve kinds.</summary>
    public int Points { get; init; } = 2_000_000;

    /// <summary>Runs per curve kind (the kind's points are shared by their series).</summary>
    public int Runs { get; init; } = 8;

    /// <summary>Seconds of a run's clock between two SDK flushes (one batch per run each).</summary>
    public double FlushSeconds { get; init; } = 1.0;

    /// <summary>
    /// Flush rounds (one batch of every run each) between two background passes while writing: a
    /// compaction pass (<c>ScalarChunkCompactor.CompactOnceAsync</c>, as ingest's hosted service runs)
    /// and a VACUUM (as autovacuum would), so the space compaction frees is reused by later writes
    /// as in a running system. 0: none while writing (the points are measured as written, then
    /// compacted in one go, whose freed space stays in the files).
    /// </summary>
    public int CompactEveryFlushes { get; init; } = 64;

    /// <summary>
    /// A PostgreSQL server to measure on (a role allowed to CREATE DATABASE: one database per curve
    /// kind is created there and dropped at the end); a private PostgreSQL when null.
    /// </summary>
    public string? DatabaseUrl { get; init; }

    /// <summary>Progress lines and the per-kind table (null: quiet).</summary>
    public TextWriter? Log { get; init; }
}
