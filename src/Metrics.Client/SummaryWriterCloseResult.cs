namespace Metrics.Client;

/// <summary>What <see cref="SummaryWriter.CloseAsync"/> left behind.</summary>
public sealed record SummaryWriterCloseResult
{
    /// <summary>True when the server acknowledged every batch (nothing left in the journal).</summary>
    public bool Complete => PendingBatches == 0;

    /// <summary>Highest batch sequence number acknowledged by the server.</summary>
    public ulong LastAcknowledged { get; init; }

    /// <summary>Batches not acknowledged; they are in <see cref="JournalDirectory"/>.</summary>
    public long PendingBatches { get; init; }

    /// <summary>
    /// The journal folder holding the unacknowledged batches (null when none are left or when
    /// offline). A new <see cref="SummaryWriter"/> with the same run name, writer id and journal
    /// directory sends them.
    /// </summary>
    public string? JournalDirectory { get; init; }
}
