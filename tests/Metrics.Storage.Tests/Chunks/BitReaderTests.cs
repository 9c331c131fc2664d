using Metrics.Storage.Chunks;

namespace Metrics.Storage.Tests.Chunks;

public sealed class BitReaderTests
{
    [Fact]
    public void Read_RandomFieldsWrittenByBitWriter_ReturnsThemInOrder()
    {
        var rng = new Random(17);
        var writer = new BitWriter(initialCapacity: 1);
        for (var round = 0; round < 200; round++)
        {
            writer.Reset();
            var fields = new (ulong Value, int Width)[rng.Next(0, 300)];
            for (var i = 0; i < fields.Length; i++)
            {
                var width = rng.Next(0, 65);
                var value = width == 0 ? 0 : ((ulong)rng.NextInt64() << 1) ^ (ulong)rng.Next(2);
                value = width == 64 ? value : value & ((1UL << width) - 1);
                fields[i] = (value, width);
                writer.Write(value, width);
            }

            var bits = writer.BitLength;
            var bytes = writer.Flush().ToArray();
            Assert.Equal((bits + 7) / 8, bytes.Length);

            var reader = new BitReader(bytes);
            foreach (var (value, width) in fields)
            {
                Assert.Equal(value, reader.Read(width));
            }

            Assert.Equal(bytes.Length * 8L - bits, reader.RemainingBits);
        }
    }

    [Fact]
    public void Read_PastTheEnd_ThrowsInvalidData()
    {
        var reader = new BitReader([0xAB, 0xCD]);
        Assert.Equal(0xABCUL, reader.Read(12));

        var error = Assert.IsType<InvalidDataException>(Record(ref reader, 5));
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WidthOver64_ThrowsArgumentOutOfRange()
    {
        var reader = new BitReader(new byte[16]);
        Assert.IsType<ArgumentOutOfRangeException>(Record(ref reader, 65));
    }

    // A ref struct cannot be captured by Assert.Throws' lambda.
    private static Exception? Record(ref BitReader reader, int count)
    {
        try
        {
            reader.Read(count);
            return null;
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentOutOfRangeException)
        {
            return e;
        }
    }
}
