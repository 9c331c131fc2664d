using System.Security.Cryptography;

namespace Metrics.Storage.Writes;

/// <summary>
/// One blob of a blob-sequence point, addressed by its SHA-256. Either the bytes are here
/// (<see cref="Inline"/>) or they were sent as <see cref="BlobChunkData"/> by the same writer in
/// this batch or an earlier one (<see cref="Chunked"/>), and are assembled and verified at commit.
/// </summary>
public sealed class BlobValue
{
    private BlobValue(byte[] sha256, long size, byte[]? content)
    {
        Sha256 = sha256;
        Size = size;
        Content = content;
    }

    /// <summary>The 32-byte SHA-256 of the whole blob (the key in the blobs table).</summary>
    public byte[] Sha256 { get; }

    public long Size { get; }

    /// <summary>The bytes, or null for a chunked blob.</summary>
    public byte[]? Content { get; }

    public bool IsChunked => Content is null;

    /// <summary>A blob whose bytes travel with the point (hashes them).</summary>
    public static BlobValue Inline(byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return new BlobValue(SHA256.HashData(content), content.LongLength, content);
    }

    /// <summary>A blob assembled from chunks sent earlier by the same writer.</summary>
    public static BlobValue Chunked(byte[] sha256, long size)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        return new BlobValue(sha256, size, null);
    }
}
