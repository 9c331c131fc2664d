namespace Metrics.Query.Blobs;

/// <summary>The content type of a blob, from the plugin that wrote it and its first bytes.</summary>
internal static class BlobContentTypes
{
    public const int SniffBytes = 12;
    public const string Protobuf = "application/x-protobuf";
    public const string Png = "image/png";
    public const string Wav = "audio/wav";
    public const string Binary = "application/octet-stream";

    private static ReadOnlySpan<byte> PngMagic => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static string Guess(string pluginName, ReadOnlySpan<byte> head)
    {
        if (pluginName == "graphs")
        {
            return Protobuf; // a serialized GraphDef (or RunMetadata)
        }

        if (head.StartsWith(PngMagic))
        {
            return Png;
        }

        return head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WAVE"u8) ? Wav : Binary;
    }
}
