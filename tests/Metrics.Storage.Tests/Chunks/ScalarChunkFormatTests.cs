using Metrics.Storage.Chunks;

namespace Metrics.Storage.Tests.Chunks;

public sealed class ScalarChunkFormatTests
{
    [Fact]
    public void Checksum_StandardCheckInput_IsCrc32C()
    {
        // The CRC-32C check value from the CRC catalogue: chunks stay checkable by any CRC-32C.
        Assert.Equal(0xE3069283u, ScalarChunkFormat.Checksum("123456789"u8));
        Assert.Equal(0u, ScalarChunkFormat.Checksum([]));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(-1L)]
    [InlineData(63L)]
    [InlineData(-64L)]
    [InlineData(64L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void ReadVarint_ZigZaggedValue_RoundTrips(long value)
    {
        var buffer = new byte[10];
        var encoded = ScalarChunkFormat.ZigZag(value);
        var length = ScalarChunkFormat.WriteVarint(buffer, encoded);
        Assert.Equal(ScalarChunkFormat.VarintLength(encoded), length);

        var offset = 0;
        var decoded = ScalarChunkFormat.ReadVarint(buffer.AsSpan(0, length), ref offset, "test");
        Assert.Equal(length, offset);
        Assert.Equal(value, ScalarChunkFormat.UnZigZag(decoded));
    }

    [Fact]
    public void ReadVarint_Overlong_ThrowsInvalidData()
    {
        var offset = 0;
        var bytes = Enumerable.Repeat((byte)0xFF, 11).ToArray();
        Assert.Throws<InvalidDataException>(() => ScalarChunkFormat.ReadVarint(bytes, ref offset, "test"));
    }
}
