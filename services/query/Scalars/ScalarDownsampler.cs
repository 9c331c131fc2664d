namespace Metrics.Query.Scalars;

/// <summary>
/// Min/max-per-bucket downsampling (M4 with NaN): the x range is cut into K equal buckets and each
/// keeps its first, last, min and max point (and first NaN when the range has NaN), so K is
/// max_points / 4 (or / 5) and the answer never exceeds max_points. The first and last point of
/// the range always survive: they are the first of the first bucket and the last of the last.
/// </summary>
internal static class ScalarDownsampler
{
    /// <summary>Downsamples points in step order; returns them unchanged when they already fit.</summary>
    public static List<ScalarPoint> Downsample(IReadOnlyList<ScalarPoint> points, int maxPoints, ScalarAxis axis)
    {
        if (points.Count <= maxPoints)
        {
            return points as List<ScalarPoint> ?? [.. points];
        }

        var hasNaN = false;
        var (lo, hi) = (double.PositiveInfinity, double.NegativeInfinity);
        foreach (var p in points)
        {
            hasNaN |= double.IsNaN(p.Value);
            var x = X(p, axis);
            (lo, hi) = (Math.Min(lo, x), Math.Max(hi, x));
        }

        var buckets = new ScalarBucket[BucketCount(maxPoints, hasNaN)];
        foreach (var p in points)
        {
            buckets[Index(X(p, axis), lo, hi, buckets.Length, axis)].Add(p);
        }

        return Collect(buckets, axis);
    }

    /// <summary>Downsamples pre-summarised units (blocks and single points) in step order; each unit lands in the bucket of its first point.</summary>
    public static List<ScalarPoint> Downsample(IReadOnlyList<ScalarBucket> units, int maxPoints, ScalarAxis axis)
    {
        var hasNaN = false;
        var (lo, hi) = (double.PositiveInfinity, double.NegativeInfinity);
        foreach (var unit in units)
        {
            hasNaN |= unit.HasNaN;
            var x = X(unit.First, axis);
            (lo, hi) = (Math.Min(lo, x), Math.Max(hi, x));
        }

        var buckets = new ScalarBucket[BucketCount(maxPoints, hasNaN)];
        foreach (var unit in units)
        {
            buckets[Index(X(unit.First, axis), lo, hi, buckets.Length, axis)].Merge(unit);
        }

        return Collect(buckets, axis);
    }

    public static int BucketCount(int maxPoints, bool hasNaN) => Math.Max(1, maxPoints / (hasNaN ? 5 : 4));

    private static double X(in ScalarPoint p, ScalarAxis axis) => axis == ScalarAxis.Step ? p.Step : p.WallTime;

    private static int Index(double x, double lo, double hi, int count, ScalarAxis axis)
    {
        // Steps are integers: [lo, hi + 1) keeps the last step inside the last bucket.
        var width = axis == ScalarAxis.Step ? hi - lo + 1 : hi - lo;
        if (!(width > 0) || double.IsNaN(x))
        {
            return 0;
        }

        var index = (int)Math.Floor((x - lo) / width * count);
        return Math.Clamp(index, 0, count - 1);
    }

    private static List<ScalarPoint> Collect(ScalarBucket[] buckets, ScalarAxis axis)
    {
        var output = new List<ScalarPoint>(buckets.Length * 4);
        foreach (var bucket in buckets)
        {
            bucket.AppendTo(output);
        }

        if (axis == ScalarAxis.WallTime)
        {
            // Wall time need not rise with step; the answer is always in step order, each step once.
            output.Sort(static (a, b) => a.Step.CompareTo(b.Step));
            output = [.. output.Where((p, i) => i == 0 || p.Step != output[i - 1].Step)];
        }

        return output;
    }
}
