using Microsoft.Extensions.Logging;

namespace Metrics.Client.Internal;

internal static partial class ClientLog
{
    [LoggerMessage(1, LogLevel.Warning, "Metrics ingest at {Server} unreachable for run {RunName} (writer {WriterId}): {Reason}; retrying in {DelayMs} ms, unacknowledged batches go to the journal")]
    public static partial void Disconnected(ILogger logger, string server, string runName, string writerId, long delayMs, string reason);

    [LoggerMessage(2, LogLevel.Information, "Connected to Metrics ingest for run {RunName} (writer {WriterId}); the server has committed up to batch {LastCommitted}")]
    public static partial void Connected(ILogger logger, string runName, string writerId, ulong lastCommitted);

    [LoggerMessage(3, LogLevel.Error, "Metrics ingest refused writer {WriterId} of run {RunName}: {Reason}")]
    public static partial void Refused(ILogger logger, string runName, string writerId, string reason);

    [LoggerMessage(4, LogLevel.Warning, "{Pending} unacknowledged batches of run {RunName} (writer {WriterId}) are left in the journal {JournalDirectory}; a SummaryWriter with the same run name, writer id and journal directory will send them")]
    public static partial void LeftInJournal(ILogger logger, long pending, string runName, string writerId, string journalDirectory);

    [LoggerMessage(5, LogLevel.Information, "Recovered {Batches} unacknowledged batches of run {RunName} (writer {WriterId}) from the journal")]
    public static partial void Recovered(ILogger logger, long batches, string runName, string writerId);

    [LoggerMessage(6, LogLevel.Warning, "Journal record damaged in {Path} at offset {Offset}; the rest of that file is dropped")]
    public static partial void JournalDamaged(ILogger logger, string path, long offset);
}
