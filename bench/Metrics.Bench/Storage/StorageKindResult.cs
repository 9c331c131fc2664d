namespace Metrics.Bench.Storage;

/// <summary>What one curve kind costs: the scalar tables as written, after compaction, and rewritten by VACUUM FULL after it; and as event files.</summary>
internal sealed record StorageKindResult(CurveKind Kind, long Points, StorageFootprint Written, StorageFootprint Compacted, StorageFootprint Live, long EventFileBytes)
{
    /// <summary>Rows compaction merged away.</summary>
    public int RowsMerged { get; init; }
}
