namespace Metrics.Export;

/// <summary>
/// A run's export progress (a row of export_state): the event file of the current
/// <see cref="Generation"/>, its length known to be on disk, the run versions it reflects, and per
/// series the last exported step. Recorded only after the bytes are fsynced.
/// </summary>
public sealed record ExportState(int Generation, string FileName, long ByteLength, long DataVersion, long RewriteVersion, IReadOnlyDictionary<long, long> SeriesSteps)
{
    /// <summary>Nothing exported yet.</summary>
    public static ExportState None { get; } = new(0, "", 0, 0, 0, new Dictionary<long, long>());

    public bool HasFile => FileName.Length > 0;
}
