using Metrics.Storage.Chunks;

namespace Metrics.Storage.Tests.Chunks;

public sealed class ScalarChunkEncoderTests
{
    private const int Cases = 3000;

    [Fact]
    public void Build_RandomSeries_DecodesBitExact()
    {
        var rng = new Random(20261206);
        var encoder = new ScalarChunkEncoder();
        for (var c = 0; c < Cases; c++)
        {
            var points = TestSeries.Random(rng, c % 10 == 0 ? 3000 : 200);
            var chunk = ChunkAssert.Encode(points, encoder);

            ChunkAssert.BitExact(points, ScalarChunkDecoder.ReadAll(chunk.Bytes.Span), $"case {c}");
        }
    }

    [Fact]
    public void Build_RandomSeries_SummaryMatchesLinq()
    {
        var rng = new Random(4242);
        var encoder = new ScalarChunkEncoder();
        for (var c = 0; c < Cases; c++)
        {
            var points = TestSeries.Random(rng, 200);
            var summary = ChunkAssert.Encode(points, encoder).Summary;

            // MinBy/MaxBy keep the first of equal keys (0.0 and -0.0 compare equal), as the codec's ties do.
            var numbers = points.Where(p => !double.IsNaN(p.Value)).ToArray();
            ScalarChunkPoint? min = numbers.Length == 0 ? null : numbers.MinBy(p => p.Value);
            ScalarChunkPoint? max = numbers.Length == 0 ? null : numbers.MaxBy(p => p.Value);
            ScalarChunkPoint? firstNaN = points.Any(p => double.IsNaN(p.Value)) ? points.First(p => double.IsNaN(p.Value)) : null;

            var context = $"case {c}";
            Assert.Equal(points.Length, summary.Count);
            ChunkAssert.BitExact(points[0], summary.First, context + " first");
            ChunkAssert.BitExact(points[^1], summary.Last, context + " last");
            ChunkAssert.BitExact(min, summary.Min, context + " min");
            ChunkAssert.BitExact(max, summary.Max, context + " max");
            ChunkAssert.BitExact(firstNaN, summary.FirstNaN, context + " first NaN");
            Assert.Equal(points[0].Step, summary.FirstStep);
            Assert.Equal(points[^1].Step, summary.LastStep);
            Assert.Equal(firstNaN?.Step, summary.FirstNaNStep);
        }
    }

    [Fact]
    public void Build_SpecialValuesInEveryOrder_DecodeBitExact()
    {
        // Every special after every other: each XOR transition between them is exercised.
        var specials = TestSeries.Specials;
        var points = new List<ScalarChunkPoint>();
        for (var i = 0; i < specials.Length; i++)
        {
            for (var j = 0; j < specials.Length; j++)
            {
                points.Add(new ScalarChunkPoint(points.Count, specials[j], specials[i]));
                points.Add(new ScalarChunkPoint(points.Count, specials[i], specials[j]));
            }
        }

        var chunk = ChunkAssert.Encode(points.ToArray());

        ChunkAssert.BitExact(points.ToArray(), ScalarChunkDecoder.ReadAll(chunk.Bytes.Span), "specials");
    }

    [Fact]
    public void Build_ExtremeSteps_DecodeExactly()
    {
        long[][] cases =
        [
            [long.MinValue, long.MaxValue],
            [long.MinValue, 0, long.MaxValue],
            [long.MinValue, long.MinValue + 1, long.MaxValue - 1, long.MaxValue],
            [long.MaxValue],
            [long.MinValue],
            [-1, 0, 1, long.MaxValue],
        ];
        foreach (var steps in cases)
        {
            var points = steps.Select(s => new ScalarChunkPoint(s, 1.7e9, s)).ToArray();

            ChunkAssert.BitExact(points, ScalarChunkDecoder.ReadAll(ChunkAssert.Encode(points).Bytes.Span), string.Join(",", steps));
        }
    }

    [Fact]
    public void Build_ReusedEncoder_WritesTheSameBytesAsAFreshOne()
    {
        var rng = new Random(7);
        var reused = new ScalarChunkEncoder();
        for (var c = 0; c < 100; c++)
        {
            var points = TestSeries.Random(rng, 500);

            Assert.Equal(ChunkAssert.Encode(points).Bytes.ToArray(), ChunkAssert.Encode(points, reused).Bytes.ToArray());
        }
    }

    [Fact]
    public void Append_StepNotAboveThePrevious_ThrowsAndKeepsTheChunk()
    {
        var encoder = new ScalarChunkEncoder();
        encoder.Append(10, 1.0, 1.0);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => encoder.Append(10, 2.0, 2.0));
        Assert.Contains("step 10 follows step 10", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => encoder.Append(9, 2.0, 2.0));
        encoder.Append(11, 2.0, 2.0);

        Assert.Equal([10L, 11L], ScalarChunkDecoder.ReadAll(encoder.Build().Bytes.Span).Select(p => p.Step));
    }

    [Fact]
    public void Build_NoPoints_ThrowsInvalidOperation()
    {
        var encoder = new ScalarChunkEncoder();
        Assert.Throws<InvalidOperationException>(encoder.Build);

        encoder.Append(1, 1.0, 1.0);
        encoder.Build();
        Assert.Equal(0, encoder.Count);
        Assert.Throws<InvalidOperationException>(encoder.Build);
    }

    [Fact]
    public void Build_EvenlySpacedConstantSeries_TakesThreeBitsAPoint()
    {
        // Sizes are deterministic: 10,000 points of steps 0..9999, one wall-time interval and one
        // value cost 3 bits each after the first point.
        var encoder = new ScalarChunkEncoder();
        for (var i = 0; i < 10_000; i++)
        {
            encoder.Append(i, 1.7e9 + (i * 0.5), 0.25);
        }

        var chunk = encoder.Build();

        Assert.InRange(chunk.Bytes.Length, 10_000 * 3 / 8, 3_800);
        Assert.Equal(10_000, chunk.Summary.Count);
    }

    [Fact]
    public void Build_TiedExtremesAndSignedZeros_SummaryKeepsTheEarlierStep()
    {
        ScalarChunkPoint[] points = [new(1, 0, double.NaN), new(2, 0, -0.0), new(3, 0, 0.0), new(4, 0, double.NaN), new(5, 0, -0.0)];

        var summary = ChunkAssert.Encode(points).Summary;

        Assert.Equal(2, summary.Min?.Step);
        Assert.Equal(2, summary.Max?.Step);
        Assert.Equal(1, summary.FirstNaNStep);
        Assert.True(double.IsNegative(summary.MinValue!.Value));
    }

    [Fact]
    public void Build_OnlyNaNs_SummaryHasNoMinOrMax()
    {
        var summary = ChunkAssert.Encode([new(7, 0, double.NaN), new(8, 0, -double.NaN)]).Summary;

        Assert.Null(summary.Min);
        Assert.Null(summary.Max);
        Assert.Equal(7, summary.FirstNaNStep);
        Assert.Equal(2, summary.Count);
    }

    [Fact]
    public void Build_InfinitiesAmongValues_AreTheMinAndMax()
    {
        var summary = ChunkAssert.Encode([new(1, 0, 0.5), new(2, 0, double.PositiveInfinity), new(3, 0, double.NegativeInfinity), new(4, 0, double.NaN)]).Summary;

        Assert.Equal(double.NegativeInfinity, summary.MinValue);
        Assert.Equal(double.PositiveInfinity, summary.MaxValue);
        Assert.Equal(4, summary.FirstNaNStep);
    }

    [Fact]
    public void Build_ReusedEncoder_AllocatesLittleBeyondTheChunkBytes()
    {
        // Allocation counts are deterministic, unlike timings: a warmed-up encoder allocates the
        // chunk's byte array and its ScalarChunk, not per point.
        var points = new ScalarChunkPoint[10_000];
        for (var i = 0; i < points.Length; i++)
        {
            points[i] = new ScalarChunkPoint(i, 1.7e9 + (i * 0.1), (float)(1.0 / (i + 1)));
        }

        var encoder = new ScalarChunkEncoder();
        var size = ChunkAssert.Encode(points, encoder).Bytes.Length;

        var before = GC.GetAllocatedBytesForCurrentThread();
        ChunkAssert.Encode(points, encoder);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.InRange(allocated, size, size + 256);
    }
}
