namespace Metrics.Storage.Writes;

/// <summary>What became of one batch of a commit.</summary>
public enum BatchOutcome
{
    /// <summary>Stored by this commit.</summary>
    Committed,

    /// <summary>Its seq was already committed (a resend or another replica): nothing stored, ack it.</summary>
    AlreadyCommitted,

    /// <summary>Refused (see <see cref="BatchResult.Field"/>); nothing of it stored.</summary>
    Rejected,
}
