using Microsoft.Extensions.Logging;

namespace Metrics.Client;

/// <summary>
/// Settings of a <see cref="SummaryWriter"/>. Give <see cref="Server"/> and <see cref="Token"/> to
/// stream to a Metrics ingest service, or only <see cref="LogDirectory"/> to write TensorBoard
/// event files locally (offline mode; <c>metrics upload</c> sends them later).
/// </summary>
public sealed class SummaryWriterOptions
{
    /// <summary>The ingest service's gRPC address, e.g. <c>http://127.0.0.1:50051</c> (HTTP/2 without TLS) or an https URL.</summary>
    public Uri? Server { get; init; }

    /// <summary>
    /// The HTTP handler of the gRPC channel, for TLS set-ups the system trust store does not cover:
    /// for example a <see cref="System.Net.Http.SocketsHttpHandler"/> whose <c>SslOptions</c> trust a
    /// private CA or a self-signed certificate. The caller owns and disposes it. When null, a default
    /// handler with HTTP/2 keep-alive pings is used.
    /// </summary>
    public System.Net.Http.HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>API token (scope write); the project comes from the token.</summary>
    public string? Token { get; init; }

    /// <summary>
    /// The project the token should belong to (optional: the token decides the project). When set,
    /// a token of another project makes the writer fail with <see cref="SummaryWriterException"/>.
    /// </summary>
    public string? Project { get; init; }

    /// <summary>
    /// Run name: a relative path such as <c>mnist/lr-0.01/train</c> (the run's folder in a
    /// TensorBoard logdir). Required.
    /// </summary>
    public string RunName { get; init; } = string.Empty;

    /// <summary>
    /// Stable identity of this writing process. Pin it (for example <c>rank-0</c>) when a
    /// restarted process must continue the same writer; when null a unique id is made from the
    /// host, process id and start time. Several processes writing one run need distinct ids.
    /// </summary>
    public string? WriterId { get; init; }

    /// <summary>
    /// The run restarts at this step (resuming from a checkpoint): points of the run at steps at
    /// or above it written before are superseded, as TensorBoard does for a restart.
    /// </summary>
    public long? RestartAtStep { get; init; }

    /// <summary>
    /// Where unacknowledged batches spill when memory is full or the server is unreachable
    /// (default: <c>$XDG_CACHE_HOME/metrics/journal</c>, else <c>~/.cache/metrics/journal</c>).
    /// </summary>
    public string? JournalDirectory { get; init; }

    /// <summary>Offline mode: the logdir to write event files into (<c>LogDirectory/RunName</c>), used when <see cref="Server"/> is null.</summary>
    public string? LogDirectory { get; init; }

    /// <summary>Points buffered before they are handed to the sender (TensorBoard's <c>max_queue</c>; default 10).</summary>
    public int MaxQueue { get; init; } = 10;

    /// <summary>Longest time a point stays buffered (TensorBoard's <c>flush_secs</c>; default 120 s).</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Unacknowledged batch bytes kept in memory before older batches spill to the journal (default 64 MiB).</summary>
    public long MaxMemoryBytes { get; init; } = 64L << 20;

    /// <summary>Largest batch (approximate encoded bytes) sent in one message (default 1 MiB).</summary>
    public int MaxBatchBytes { get; init; } = 1 << 20;

    /// <summary>Most points in one batch (default 10000).</summary>
    public int MaxBatchPoints { get; init; } = 10_000;

    /// <summary>How long <see cref="SummaryWriter.DisposeAsync"/> waits for acknowledgements (default 30 s).</summary>
    public TimeSpan DisposeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Where the writer logs: each failed attempt to reach the server (warning, with the address and
    /// the gRPC status), reconnections (information), a refusal (error), and what it left in the
    /// journal (warning). When null, warnings and errors go to standard error as
    /// <c>metrics-client warning: …</c> lines; pass <c>NullLoggerFactory.Instance</c> to log nothing.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Clock for wall times, the flush interval and retry back-off.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
