namespace Metrics.Export;

/// <summary>
/// What taking a run returned: the fencing token <see cref="Epoch"/> every progress record of this
/// owner is conditioned on, the recorded progress, and the owner whose session recorded the current
/// file when it did not let go of the run cleanly (null: released, or nothing recorded), which may
/// still be writing that file.
/// </summary>
public sealed record ExportClaim(long Epoch, ExportState State, string? UnreleasedWriter);
