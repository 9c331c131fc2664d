namespace Metrics.Export;

/// <summary>What one export pass over a run did.</summary>
public enum ExportPassKind
{
    /// <summary>The files already held the run's data version.</summary>
    UpToDate,

    /// <summary>New points were appended to the current file.</summary>
    Appended,

    /// <summary>The run was written into a new file generation, and the old one deleted.</summary>
    Rewritten,

    /// <summary>The run no longer exists in the database.</summary>
    RunDeleted,
}
