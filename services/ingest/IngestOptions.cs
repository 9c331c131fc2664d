using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Metrics.Ingest;

/// <summary>Ingest settings from METRICS_* environment variables, validated at start-up.</summary>
public sealed class IngestOptions
{
    /// <summary>The gRPC port (HTTP/2 only; cleartext h2c unless METRICS_TLS_CERT is set). 0 picks a free port.</summary>
    [Range(0, 65535, ErrorMessage = "METRICS_GRPC_PORT must be a port number between 0 and 65535.")]
    [ConfigurationKeyName("GRPC_PORT")]
    public int GrpcPort { get; set; } = 50051;

    /// <summary>The largest gRPC message accepted; bigger ones get ResourceExhausted.</summary>
    [Range(1024, 1 << 30, ErrorMessage = "METRICS_INGEST_MAX_MESSAGE_BYTES must be between 1 KiB and 1 GiB.")]
    [ConfigurationKeyName("INGEST_MAX_MESSAGE_BYTES")]
    public int MaxMessageBytes { get; set; } = 16 << 20;

    [Range(1, 100_000_000, ErrorMessage = "METRICS_INGEST_MAX_POINTS_PER_BATCH must be between 1 and 100000000.")]
    [ConfigurationKeyName("INGEST_MAX_POINTS_PER_BATCH")]
    public int MaxPointsPerBatch { get; set; } = 100_000;

    /// <summary>The largest blob (inline or assembled from chunks).</summary>
    [Range(1, 1L << 32, ErrorMessage = "METRICS_INGEST_MAX_BLOB_BYTES must be between 1 byte and 4 GiB.")]
    [ConfigurationKeyName("INGEST_MAX_BLOB_BYTES")]
    public long MaxBlobBytes { get; set; } = 64L << 20;

    [Range(1, 65536, ErrorMessage = "METRICS_INGEST_MAX_TAG_LENGTH must be between 1 and 65536.")]
    [ConfigurationKeyName("INGEST_MAX_TAG_LENGTH")]
    public int MaxTagLength { get; set; } = 1024;

    /// <summary>Points per second one token may write (0: no limit); bursts of one second are allowed.</summary>
    [Range(0, int.MaxValue, ErrorMessage = "METRICS_INGEST_RATE_LIMIT_POINTS_PER_SECOND must be 0 (off) or positive.")]
    [ConfigurationKeyName("INGEST_RATE_LIMIT_POINTS_PER_SECOND")]
    public int RateLimitPointsPerSecond { get; set; } = 5_000_000;

    /// <summary>
    /// Approximate memory of batches waiting for commit across all streams (a batch counts twice its
    /// serialized size: the decoded message and its converted rows); when full, streams wait (backpressure).
    /// </summary>
    [Range(1 << 20, 1L << 40, ErrorMessage = "METRICS_INGEST_QUEUE_BYTES must be at least 1 MiB.")]
    [ConfigurationKeyName("INGEST_QUEUE_BYTES")]
    public long QueueBytes { get; set; } = 32L << 20;

    /// <summary>Background committers (transactions in flight at once); runs are spread over them.</summary>
    [Range(1, 64, ErrorMessage = "METRICS_INGEST_COMMITTERS must be between 1 and 64.")]
    [ConfigurationKeyName("INGEST_COMMITTERS")]
    public int Committers { get; set; } = 2;

    /// <summary>Upper bound of points in one group commit (a bigger single batch still commits alone).</summary>
    [Range(1, 100_000_000, ErrorMessage = "METRICS_INGEST_MAX_POINTS_PER_COMMIT must be between 1 and 100000000.")]
    [ConfigurationKeyName("INGEST_MAX_POINTS_PER_COMMIT")]
    public int MaxPointsPerCommit { get; set; } = 100_000;

    /// <summary>
    /// Retries of a database call that failed transiently (lost connection, deadlock, overload, database
    /// restarting) before writers get Unavailable; about one a second once the first few are spent, so
    /// the default rides out a crash recovery of ~20 s.
    /// </summary>
    [Range(0, 100, ErrorMessage = "METRICS_INGEST_COMMIT_RETRIES must be between 0 and 100.")]
    [ConfigurationKeyName("INGEST_COMMIT_RETRIES")]
    public int CommitRetries { get; set; } = 20;

    /// <summary>How often orphan blob chunks are looked for (0: never); see <see cref="OrphanChunkAgeSeconds"/>.</summary>
    [Range(0, 86_400, ErrorMessage = "METRICS_INGEST_CHUNK_CLEANUP_INTERVAL_SECONDS must be between 0 (off) and 86400.")]
    [ConfigurationKeyName("INGEST_CHUNK_CLEANUP_INTERVAL_SECONDS")]
    public int ChunkCleanupIntervalSeconds { get; set; } = 3600;

    /// <summary>
    /// How often small scalar chunks (a few points per commit) are merged into full ones in the
    /// background (0: never); see docs/storage.md. Every replica may run it: series are taken with SKIP LOCKED.
    /// </summary>
    [Range(0, 86_400, ErrorMessage = "METRICS_INGEST_COMPACTION_INTERVAL_SECONDS must be between 0 (off) and 86400.")]
    [ConfigurationKeyName("INGEST_COMPACTION_INTERVAL_SECONDS")]
    public int CompactionIntervalSeconds { get; set; } = 5;

    /// <summary>
    /// The chunks of a chunked blob whose writer has committed nothing for this long are deleted: the
    /// upload was abandoned. A writer that resends its point after longer than this gets its batch rejected.
    /// </summary>
    [Range(3600, 31_536_000, ErrorMessage = "METRICS_INGEST_ORPHAN_CHUNK_AGE_SECONDS must be between 3600 (an hour) and 31536000 (a year).")]
    [ConfigurationKeyName("INGEST_ORPHAN_CHUNK_AGE_SECONDS")]
    public int OrphanChunkAgeSeconds { get; set; } = 7 * 86_400;
}
