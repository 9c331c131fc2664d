using System.Text;

namespace Metrics.TensorBoard.Tests;

public sealed class TfRecordTests
{
    [Fact]
    public void MaskedCrc32C_DesignTestVector_Is0x5794d08a()
    {
        byte[] data = [0x1a, 0x11, .. "CRC test, one two"u8];

        Assert.Equal(0x5794d08au, TfRecord.MaskedCrc32C(data));
    }

    [Fact]
    public void Crc32C_StandardCheckValue_MatchesCastagnoli()
    {
        Assert.Equal(0xE3069283u, TfRecord.Crc32C("123456789"u8));
    }

    [Fact]
    public void Crc32C_EveryLengthAndAlignment_MatchesBitwiseDefinition()
    {
        var data = new byte[64];
        new Random(42).NextBytes(data);
        for (var offset = 0; offset < 8; offset++)
        {
            for (var length = 0; length <= data.Length - offset; length++)
            {
                var slice = data.AsSpan(offset, length);
                Assert.Equal(BitwiseCrc32C(slice), TfRecord.Crc32C(slice));
            }
        }
    }

    // CRC32C by its definition (reflected polynomial 0x82F63B78), one bit at a time.
    private static uint BitwiseCrc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }

    [Fact]
    public void Write_ThenRead_GivesSameData()
    {
        var data = Encoding.UTF8.GetBytes("hello, record");
        var buffer = new byte[TfRecord.RecordLength(data.Length)];
        TfRecord.Write(data, buffer);
        using var reader = new TfRecordReader(new MemoryStream(buffer), "memory");

        Assert.True(reader.TryReadRecord(out var read));
        Assert.Equal(data, read.ToArray());
        Assert.False(reader.TryReadRecord(out _));
        Assert.False(reader.HasPartialRecord);
        Assert.Equal(buffer.Length, reader.Offset);
    }
}
