namespace Metrics.Storage.Chunks;

/// <summary>An encoded run of one series' points and its summary (computed while encoding).</summary>
internal sealed class ScalarChunk(ReadOnlyMemory<byte> bytes, ChunkSummary summary)
{
    public ReadOnlyMemory<byte> Bytes { get; } = bytes;

    public ChunkSummary Summary { get; } = summary;
}
