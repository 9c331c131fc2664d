namespace Metrics.Query.Blobs;

/// <summary>
/// One image of an images-plugin step (TensorBoard's <c>[width, height, png…]</c> read as what it means):
/// its size in pixels (null when the summary's width or height is not a number) and the encoded image's blob.
/// </summary>
internal sealed record BlobImage(int? Width, int? Height, string ContentType, long? Size, string Key, string Url, string SignedUrl, long SignedUrlExpiresAt);
