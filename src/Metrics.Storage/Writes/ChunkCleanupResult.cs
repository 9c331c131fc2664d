namespace Metrics.Storage.Writes;

/// <summary>What one <see cref="BlobChunkCleaner.DeleteOrphansAsync"/> pass removed; <see cref="Skipped"/> when another process was cleaning.</summary>
public sealed record ChunkCleanupResult(long Writers, long Chunks, long Bytes, bool Skipped = false);
