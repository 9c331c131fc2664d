namespace Metrics.Export;

/// <summary>
/// What taking a run returned: the fencing token <see cref="Epoch"/> every progress record of this
/// owner is conditioned on, the recorded progress, and the previous owner when it did not let go of
/// the run cleanly (null: released, or never owned), which may still be writing its file.
/// </summary>
public sealed record ExportClaim(long Epoch, ExportState State, string? UnreleasedOwner);
