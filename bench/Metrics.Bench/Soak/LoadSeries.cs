using Metrics.Contracts.V1;

namespace Metrics.Bench.Soak;

/// <summary>
/// What one load writer writes: batch n holds steps [(n-1)·p, n·p) of one scalar tag, with values
/// and wall times computed from the step, so a checker knows every acknowledged point without
/// keeping them. Values are exact in float32 (TensorBoard's scalar type), so an exported logdir
/// can be compared bit for bit.
/// </summary>
public sealed record LoadSeries(int WriterIndex, string RunName, string WriterId, string Tag, int PointsPerBatch)
{
    public const double WallTimeOrigin = 1_700_000_000;

    /// <summary>Writer i writes run "&lt;prefix&gt;/run-(i mod runs)", tag "w&lt;i&gt;/loss", writer id "load-&lt;i&gt;".</summary>
    public static LoadSeries For(int writerIndex, int runs, int pointsPerBatch, string prefix = "load") => new(
        writerIndex,
        prefix + "/run-" + (writerIndex % runs).ToString("D3", System.Globalization.CultureInfo.InvariantCulture),
        "load-" + writerIndex.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "w" + writerIndex.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/loss",
        pointsPerBatch);

    /// <summary>The value at <paramref name="step"/> (an integer plus a half: exact in float32 below 2^22).</summary>
    public double Value(long step) => (WriterIndex * 7919 + step) % 4_000_000 + 0.5;

    public static double WallTime(long step) => WallTimeOrigin + step;

    /// <summary>Points of batches 1..<paramref name="lastSeq"/>.</summary>
    public long Points(ulong lastSeq) => (long)lastSeq * PointsPerBatch;

    public Batch Batch(ulong seq)
    {
        var series = new ScalarSeries { Tag = Tag };
        var first = (long)(seq - 1) * PointsPerBatch;
        for (var step = first; step < first + PointsPerBatch; step++)
        {
            series.Steps.Add(step);
            series.WallTimes.Add(WallTime(step));
            series.Values.Add(Value(step));
        }

        var batch = new Batch { Seq = seq };
        batch.Metadata.Add(new SeriesMetadata { Tag = Tag, PluginName = "scalars", DataClass = DataClass.Scalar });
        batch.Scalars.Add(series);
        return batch;
    }
}
