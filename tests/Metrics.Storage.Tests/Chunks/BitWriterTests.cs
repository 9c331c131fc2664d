using Metrics.Storage.Chunks;

namespace Metrics.Storage.Tests.Chunks;

public sealed class BitWriterTests
{
    [Fact]
    public void Write_HighBitsBeyondCount_AreIgnored()
    {
        var writer = new BitWriter();
        writer.Write(ulong.MaxValue, 3);
        writer.Write(0, 5);

        Assert.Equal([0b1110_0000], writer.Flush().ToArray());
    }

    [Fact]
    public void Write_WidthOver64_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BitWriter().Write(0, 65));
    }

    [Fact]
    public void Flush_AfterReset_ReturnsOnlyTheNewBits()
    {
        var writer = new BitWriter(initialCapacity: 1);
        for (var i = 0; i < 1000; i++)
        {
            writer.Write(ulong.MaxValue, 64);
        }

        writer.Reset();
        writer.Write(0b101, 3);

        Assert.Equal(3, writer.BitLength);
        Assert.Equal([0b1010_0000], writer.Flush().ToArray());
    }
}
