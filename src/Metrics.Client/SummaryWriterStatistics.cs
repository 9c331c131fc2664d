namespace Metrics.Client;

/// <summary>A snapshot of a <see cref="SummaryWriter"/>'s counters (cheap to read; for monitoring and tests).</summary>
public sealed record SummaryWriterStatistics
{
    /// <summary>Points (scalars, tensors, blob sequences) added so far.</summary>
    public long PointsAdded { get; init; }

    /// <summary>Highest batch sequence number assigned so far (0 before the first batch).</summary>
    public ulong LastSequence { get; init; }

    /// <summary>Highest batch sequence number the server acknowledged as durably committed.</summary>
    public ulong LastAcknowledged { get; init; }

    /// <summary>Unacknowledged batch bytes held in memory now.</summary>
    public long MemoryBytes { get; init; }

    /// <summary>The largest <see cref="MemoryBytes"/> seen (the memory bound in practice).</summary>
    public long PeakMemoryBytes { get; init; }

    /// <summary>Unacknowledged batches in the on-disk journal now.</summary>
    public long JournalBatches { get; init; }

    /// <summary>Bytes of the on-disk journal now.</summary>
    public long JournalBytes { get; init; }

    /// <summary>Batches written to the journal since the writer started (spills).</summary>
    public long BatchesSpilled { get; init; }

    /// <summary>Batches sent to the server (resends included).</summary>
    public long BatchesSent { get; init; }

    /// <summary>Batches sent again after a reconnect.</summary>
    public long BatchesResent { get; init; }

    /// <summary>Connections to the server that were lost and re-established.</summary>
    public long Reconnects { get; init; }

    /// <summary>True while a write stream to the server is open.</summary>
    public bool Connected { get; init; }

    /// <summary>Failed attempts to reach the server (connect, open the run, or keep the stream) so far.</summary>
    public long ConnectionFailures { get; init; }

    /// <summary>
    /// Why the latest failed attempt failed, with the server's address: the gRPC status and its
    /// cause, e.g. <c>Unavailable: Connection refused (http://127.0.0.1:50051)</c>; null before any failure.
    /// </summary>
    public string? LastConnectionError { get; init; }

    /// <summary>The permanent error that stopped the writer, if any.</summary>
    public string? Fault { get; init; }
}
