using Metrics.Storage.Chunks;
using Xunit.Abstractions;

namespace Metrics.Storage.Tests.Chunks;

/// <summary>
/// Encoded sizes of realistic training curves. Sizes are deterministic (fixed seeds, no timing),
/// so they may be asserted; the table printed here is the one quoted in docs/storage-chunks.md.
/// </summary>
public sealed class ScalarChunkSizeTests(ITestOutputHelper output)
{
    private const int Points = 10_000;

    public static TheoryData<string, double> Curves => new()
    {
        // Bounds sit a little above the measured figure, so a format change that costs bytes fails here.
        { "loss, float32 (TensorBoard's DT_FLOAT), every step", 6.0 },
        { "loss, float64, every step", 10.0 },
        { "accuracy, float32, every 500 steps", 7.0 },
        { "learning rate, cosine, float32, every step", 5.5 },
        { "learning rate, step decay, float32, every 100 steps", 3.5 },
        { "constant, every 10 steps", 3.5 },
    };

    [Theory]
    [MemberData(nameof(Curves))]
    public void Build_RealisticCurve_StaysUnderItsBytesPerPoint(string curve, double maxBytesPerPoint)
    {
        var points = Curve(curve, Points);
        var full = ChunkAssert.Encode(points).Bytes.Length;

        // The same points at a perfectly steady wall-time interval: what the wall times cost.
        var steady = points.Select((p, i) => p with { WallTime = points[0].WallTime + (i * 0.125) }).ToArray();
        var steadyBytes = ChunkAssert.Encode(steady).Bytes.Length;

        // A chunk per 120-point batch, as a write path that encodes each batch would store before compaction.
        var batched = points.Chunk(120).Sum(b => ChunkAssert.Encode(b).Bytes.Length);

        var perPoint = (double)full / Points;
        output.WriteLine($"| {curve} | {perPoint:F2} | {(full - steadyBytes) * 8.0 / Points:F1} | {(double)batched / Points:F2} |");
        ChunkAssert.BitExact(points, ScalarChunkDecoder.ReadAll(ChunkAssert.Encode(points).Bytes.Span), curve);
        Assert.InRange(perPoint, 0, maxBytesPerPoint);
    }

    private static ScalarChunkPoint[] Curve(string curve, int n)
    {
        var rng = new Random(curve.Length * 7919);
        var walls = new double[n];
        var values = new double[n];
        var every = 1;
        switch (curve)
        {
            case var c when c.StartsWith("loss, float32", StringComparison.Ordinal):
                TestSeries.Realistic(rng, walls, 0.1, 0.002);
                TestSeries.Loss(rng, values, float32: true);
                break;
            case var c when c.StartsWith("loss, float64", StringComparison.Ordinal):
                TestSeries.Realistic(rng, walls, 0.1, 0.002);
                TestSeries.Loss(rng, values, float32: false);
                break;
            case var c when c.StartsWith("accuracy", StringComparison.Ordinal):
                every = 500;
                TestSeries.Realistic(rng, walls, 50, 0.5);
                TestSeries.Accuracy(rng, values);
                break;
            case var c when c.StartsWith("learning rate, cosine", StringComparison.Ordinal):
                TestSeries.Realistic(rng, walls, 0.1, 0.002);
                TestSeries.LearningRate(values, cosine: true);
                break;
            case var c when c.StartsWith("learning rate, step", StringComparison.Ordinal):
                every = 100;
                TestSeries.Realistic(rng, walls, 10, 0.02);
                TestSeries.LearningRate(values, cosine: false);
                break;
            default:
                every = 10;
                TestSeries.Realistic(rng, walls, 1, 0.02);
                Array.Fill(values, 1.0);
                break;
        }

        return [.. Enumerable.Range(0, n).Select(i => new ScalarChunkPoint((long)i * every, walls[i], values[i]))];
    }
}
