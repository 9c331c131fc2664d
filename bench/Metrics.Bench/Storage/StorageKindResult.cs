namespace Metrics.Bench.Storage;

/// <summary>What one curve kind costs: the scalar tables as written, after compaction (when Storage has it) and rewritten by VACUUM FULL, and as event files.</summary>
internal sealed record StorageKindResult(CurveKind Kind, long Points, StorageFootprint Written, StorageFootprint? Compacted, StorageFootprint Live, long EventFileBytes)
{
    public int ChunksMerged { get; init; }
}
