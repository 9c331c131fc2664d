namespace Metrics.TensorBoard;

/// <summary>What a <see cref="RunItem"/> carries.</summary>
public enum RunItemKind
{
    /// <summary>A point (<see cref="RunItem.Point"/>).</summary>
    Point,

    /// <summary>A restart (second SessionLog START): every tag's points at step ≥ <see cref="RunItem.Step"/> read before are superseded.</summary>
    Restart,

    /// <summary>
    /// Files without file_version only: a step went back, TensorBoard drops the points of
    /// <see cref="RunItem.Tags"/> at step ≥ <see cref="RunItem.Step"/> read before.
    /// </summary>
    TagsPurge,
}

/// <summary>One thing read from a run, in file order.</summary>
public readonly record struct RunItem(RunItemKind Kind, TensorBoardPoint Point, long Step, double WallTime, IReadOnlyList<string>? Tags);

/// <summary>Where a run's reading stands: the file (name within the run folder) and the byte offset of its next record.</summary>
public readonly record struct RunPosition(string FileName, long Offset);

/// <summary>Something wrong found while reading (a damaged record, an unparsable event); reading went on.</summary>
public sealed record ReadProblem(string FilePath, long Offset, string Message);
