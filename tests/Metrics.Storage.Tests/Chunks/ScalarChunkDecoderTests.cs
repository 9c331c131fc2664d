using System.Buffers.Binary;
using Metrics.Storage.Chunks;

namespace Metrics.Storage.Tests.Chunks;

public sealed class ScalarChunkDecoderTests
{
    [Fact]
    public void SkipBefore_RandomSeriesAndSteps_YieldsExactlyThePointsFromThatStep()
    {
        var rng = new Random(99);
        for (var c = 0; c < 2000; c++)
        {
            var points = TestSeries.Random(rng, 300);
            var bytes = ChunkAssert.Encode(points).Bytes.Span;

            // Sought steps: on a point, between points, before the first and after the last.
            var at = points[rng.Next(points.Length)].Step;
            long[] sought = [at, at == long.MaxValue ? at : at + 1, long.MinValue, points[0].Step, points[^1].Step, long.MaxValue];
            foreach (var step in sought)
            {
                var decoder = new ScalarChunkDecoder(bytes);
                decoder.SkipBefore(step);
                var decoded = new List<ScalarChunkPoint>();
                foreach (var p in decoder)
                {
                    decoded.Add(p);
                }

                ChunkAssert.BitExact(points.Where(p => p.Step >= step).ToArray(), decoded.ToArray(), $"case {c}, from step {step}");
            }
        }
    }

    [Fact]
    public void SkipBefore_Twice_KeepsThePendingPoint()
    {
        var bytes = ChunkAssert.Encode([new(1, 0, 1), new(5, 0, 5), new(9, 0, 9)]).Bytes.Span;
        var decoder = new ScalarChunkDecoder(bytes);

        decoder.SkipBefore(4);
        decoder.SkipBefore(5);

        Assert.True(decoder.MoveNext());
        Assert.Equal(5, decoder.Current.Step);
        Assert.True(decoder.MoveNext());
        Assert.Equal(9, decoder.Current.Step);
        Assert.False(decoder.MoveNext());
        Assert.False(decoder.MoveNext());
    }

    [Fact]
    public void Constructor_EverySingleBitFlipped_ThrowsInvalidData()
    {
        var rng = new Random(5);
        for (var c = 0; c < 20; c++)
        {
            var bytes = ChunkAssert.Encode(TestSeries.Random(rng, 60)).Bytes.ToArray();
            for (var bit = 0; bit < bytes.Length * 8; bit++)
            {
                bytes[bit / 8] ^= (byte)(1 << (bit % 8));
                AssertRejected(bytes, $"case {c}, bit {bit} flipped");
                bytes[bit / 8] ^= (byte)(1 << (bit % 8));
            }
        }
    }

    [Fact]
    public void Constructor_EveryTruncationAndExtension_ThrowsInvalidData()
    {
        var rng = new Random(6);
        for (var c = 0; c < 50; c++)
        {
            var bytes = ChunkAssert.Encode(TestSeries.Random(rng, 100)).Bytes.ToArray();
            for (var length = 0; length < bytes.Length; length++)
            {
                AssertRejected(bytes[..length], $"case {c}, {length} of {bytes.Length} bytes");
            }

            AssertRejected([.. bytes, 0], $"case {c}, one byte more");
        }
    }

    [Fact]
    public void Constructor_OtherVersion_ThrowsNamingIt()
    {
        var bytes = ChunkAssert.Encode([new(1, 2, 3)]).Bytes.ToArray();
        bytes[0] = 2;

        var error = AssertRejected(bytes, "version 2");
        Assert.Contains("version 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MoveNext_RandomDamageUnderAValidChecksum_ThrowsInvalidDataOrStaysWithinTheHeader()
    {
        // A chunk whose damage the checksum cannot see (an encoder bug, or bytes forged with a
        // fresh CRC) must still fail cleanly or decode to at most the promised points, in step order.
        var rng = new Random(8);
        var rejected = 0;
        for (var c = 0; c < 3000; c++)
        {
            var bytes = ChunkAssert.Encode(TestSeries.Random(rng, 40)).Bytes.ToArray();
            var body = bytes.AsSpan(0, bytes.Length - 4);
            for (var k = rng.Next(1, 4); k > 0; k--)
            {
                body[rng.Next(1, body.Length)] ^= (byte)rng.Next(1, 256);
            }

            if (rng.Next(4) == 0)
            {
                Array.Resize(ref bytes, rng.Next(6, bytes.Length));
                body = bytes.AsSpan(0, bytes.Length - 4);
            }

            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(body.Length), ScalarChunkFormat.Checksum(body));
            try
            {
                var decoder = new ScalarChunkDecoder(bytes);
                var count = 0;
                var last = long.MinValue;
                foreach (var p in decoder)
                {
                    Assert.True(count == 0 || p.Step > last, $"case {c}: steps fell");
                    (last, count) = (p.Step, count + 1);
                }

                Assert.Equal(decoder.Count, count);
            }
            catch (InvalidDataException)
            {
                rejected++;
            }
        }

        // Most structural damage is caught even without the checksum.
        Assert.InRange(rejected, 1500, 3000);
    }

    [Fact]
    public void Constructor_CountLargerThanTheDataHolds_ThrowsBeforeDecoding()
    {
        var bytes = ChunkAssert.Encode([new(1, 2, 3), new(2, 2, 3)]).Bytes.ToArray();
        var forged = new byte[bytes.Length + 4];
        forged[0] = ScalarChunkFormat.Version1;
        var offset = 1 + ScalarChunkFormat.WriteVarint(forged.AsSpan(1), int.MaxValue);
        bytes.AsSpan(2, bytes.Length - 6).CopyTo(forged.AsSpan(offset));
        offset += bytes.Length - 6;
        Array.Resize(ref forged, offset + 4);
        BinaryPrimitives.WriteUInt32LittleEndian(forged.AsSpan(offset), ScalarChunkFormat.Checksum(forged.AsSpan(0, offset)));

        var error = AssertRejected(forged, "forged count");
        Assert.Contains("claims 2147483647 points", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MoveNext_WholeChunk_AllocatesNothing()
    {
        var rng = new Random(3);
        var bytes = ChunkAssert.Encode(TestSeries.Random(rng, 5000)).Bytes.Span;
        Sum(bytes);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Sum(bytes);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    private static long Sum(ReadOnlySpan<byte> chunk)
    {
        var sum = 0L;
        foreach (var p in new ScalarChunkDecoder(chunk))
        {
            sum += p.Step;
        }

        return sum;
    }

    private static InvalidDataException AssertRejected(byte[] bytes, string context)
    {
        try
        {
            var decoder = new ScalarChunkDecoder(bytes);
            while (decoder.MoveNext())
            {
            }
        }
        catch (InvalidDataException e)
        {
            return e;
        }

        Assert.Fail($"{context}: decoded without an error.");
        return null!;
    }
}
