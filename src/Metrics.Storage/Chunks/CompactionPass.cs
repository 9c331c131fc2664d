namespace Metrics.Storage.Chunks;

/// <summary>
/// What a compaction pass did: <see cref="Rows"/> rows (chunks and legacy scalar_points rows, of
/// which <see cref="LegacyRows"/> legacy) merged away into <see cref="Chunks"/> new chunks;
/// <see cref="SkippedSeries"/> series were locked by a commit and left for the next pass.
/// </summary>
public readonly record struct CompactionPass(int Rows, int LegacyRows, int Chunks, int SkippedSeries);
