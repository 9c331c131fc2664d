using Metrics.Storage.Chunks;

namespace Metrics.Query.Scalars;

/// <summary>
/// One scalar series in columns. Non-finite values travel as "NaN", "Infinity", "-Infinity"
/// (the JSON options allow named floating-point literals). points_in_range counts the points the
/// range held before downsampling.
/// </summary>
internal sealed record ScalarSeries(long RunId, string Tag, bool Downsampled, long PointsInRange, long[] Steps, double[] WallTimes, double[] Values)
{
    public static ScalarSeries From(long runId, string tag, IReadOnlyList<ScalarChunkPoint> points, long pointsInRange)
    {
        var steps = new long[points.Count];
        var wallTimes = new double[points.Count];
        var values = new double[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            (steps[i], wallTimes[i], values[i]) = (points[i].Step, points[i].WallTime, points[i].Value);
        }

        return new ScalarSeries(runId, tag, points.Count < pointsInRange, pointsInRange, steps, wallTimes, values);
    }
}
