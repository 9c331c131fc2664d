namespace Metrics.Storage.Writes;

/// <summary>A part of a large blob: bytes [Offset, Offset + Data.Length) of the blob with this SHA-256.</summary>
public sealed record BlobChunkData(byte[] Sha256, long Offset, byte[] Data);
