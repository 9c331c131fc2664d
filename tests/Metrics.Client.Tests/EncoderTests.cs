using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using Metrics.Client;
using Metrics.Client.Internal;

namespace Metrics.Client.Tests;

public sealed class EncoderTests
{
    [Fact]
    public void Crc32_CheckValue_IsIeeeAsJournalAndPngNeed() =>
        Assert.Equal(0xCBF43926u, Crc32.HashToUInt32("123456789"u8));

    [Theory]
    [InlineData(PixelFormat.Gray, 1, 0)]
    [InlineData(PixelFormat.Rgb, 3, 2)]
    [InlineData(PixelFormat.Rgba, 4, 6)]
    public void PngEncode_Pixels_ValidChunksAndDecodableData(PixelFormat format, int channels, byte colorType)
    {
        const int Width = 5, Height = 3;
        var pixels = Enumerable.Range(0, Width * Height * channels).Select(i => (byte)(i * 7)).ToArray();

        var png = PngEncoder.Encode(pixels, Width, Height, format);

        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        var chunks = ReadChunks(png);
        Assert.Equal(["IHDR", "IDAT", "IEND"], chunks.Select(c => c.Type));
        var ihdr = chunks[0].Data;
        Assert.Equal(Width, BinaryPrimitives.ReadInt32BigEndian(ihdr));
        Assert.Equal(Height, BinaryPrimitives.ReadInt32BigEndian(ihdr.AsSpan(4)));
        Assert.Equal(8, ihdr[8]);
        Assert.Equal(colorType, ihdr[9]);
        using var zlib = new ZLibStream(new MemoryStream(chunks[1].Data), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        zlib.CopyTo(raw);
        var scanlines = raw.ToArray();
        Assert.Equal(Height * (1 + (Width * channels)), scanlines.Length);
        for (var y = 0; y < Height; y++)
        {
            var line = scanlines.AsSpan(y * (1 + (Width * channels)), 1 + (Width * channels));
            Assert.Equal(0, line[0]);
            Assert.True(line[1..].SequenceEqual(pixels.AsSpan(y * Width * channels, Width * channels)));
        }

        Assert.True(PngEncoder.TryReadSize(png, out var w, out var h));
        Assert.Equal((Width, Height), (w, h));
    }

    [Fact]
    public void PngEncode_WrongPixelCount_Throws() =>
        Assert.Throws<ArgumentException>(() => PngEncoder.Encode(new byte[10], 2, 2, PixelFormat.Rgb));

    [Fact]
    public void WavEncode_Samples_RiffHeaderAndClippedPcm16()
    {
        float[] samples = [0f, 0.5f, -0.5f, 1f, -1f, 2f, -2f, float.NaN];

        var wav = WavEncoder.Encode(samples, 16000, channels: 2);

        Assert.Equal("RIFF"u8.ToArray(), wav[..4]);
        Assert.Equal(wav.Length - 8, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(4)));
        Assert.Equal("WAVEfmt "u8.ToArray(), wav[8..16]);
        Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(20)));
        Assert.Equal(2, BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(22)));
        Assert.Equal(16000, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(24)));
        Assert.Equal(16000 * 2 * 2, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(28)));
        Assert.Equal(16, BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(34)));
        Assert.Equal("data"u8.ToArray(), wav[36..40]);
        Assert.Equal(samples.Length * 2, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(40)));
        var pcm = Enumerable.Range(0, samples.Length).Select(i => BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(44 + (2 * i)))).ToArray();
        Assert.Equal(new short[] { 0, 16384, -16384, 32767, -32767, 32767, -32767, 0 }, pcm);
    }

    private static List<(string Type, byte[] Data)> ReadChunks(byte[] png)
    {
        var chunks = new List<(string, byte[])>();
        var p = 8;
        while (p < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(p));
            var typeAndData = png.AsSpan(p + 4, 4 + length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(p + 8 + length));
            Assert.Equal(Crc32.HashToUInt32(typeAndData), crc);
            chunks.Add((System.Text.Encoding.ASCII.GetString(typeAndData[..4]), typeAndData[4..].ToArray()));
            p += 12 + length;
        }

        return chunks;
    }
}
