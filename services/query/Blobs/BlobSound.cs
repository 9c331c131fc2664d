namespace Metrics.Query.Blobs;

/// <summary>One clip of an audio-plugin step (TensorBoard's <c>[k, 2]</c> of (wav, label)): its label (null when none was written) and the WAV blob.</summary>
internal sealed record BlobSound(string? Label, string ContentType, long? Size, string Key, string Url, string SignedUrl, long SignedUrlExpiresAt);
