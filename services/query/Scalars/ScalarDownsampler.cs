using Metrics.Storage.Chunks;

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
    public static List<ScalarChunkPoint> Downsample(IReadOnlyList<ScalarChunkPoint> points, int maxPoints, ScalarAxis axis)
    {
        if (points.Count <= maxPoints)
        {
            return points as List<ScalarChunkPoint> ?? [.. points];
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

    /// <summary>
    /// Downsamples a range read from a block summary: <paramref name="head"/> points, then whole
    /// <paramref name="blocks"/>, then <paramref name="tail"/> points, all in step order. Each block
    /// lands in the bucket of its first point. Nothing is copied: blocks are read in place.
    /// </summary>
    public static List<ScalarChunkPoint> Downsample(IReadOnlyList<ScalarChunkPoint> head, ReadOnlySpan<ScalarBucket> blocks, IReadOnlyList<ScalarChunkPoint> tail, int maxPoints, ScalarAxis axis)
    {
        var hasNaN = false;
        var (lo, hi) = (double.PositiveInfinity, double.NegativeInfinity);
        foreach (var p in head)
        {
            hasNaN |= double.IsNaN(p.Value);
            (lo, hi) = (Math.Min(lo, X(p, axis)), Math.Max(hi, X(p, axis)));
        }

        foreach (ref readonly var block in blocks)
        {
            hasNaN |= block.HasNaN;
            (lo, hi) = (Math.Min(lo, X(block.First, axis)), Math.Max(hi, X(block.First, axis)));
        }

        foreach (var p in tail)
        {
            hasNaN |= double.IsNaN(p.Value);
            (lo, hi) = (Math.Min(lo, X(p, axis)), Math.Max(hi, X(p, axis)));
        }

        var buckets = new ScalarBucket[BucketCount(maxPoints, hasNaN)];
        foreach (var p in head)
        {
            buckets[Index(X(p, axis), lo, hi, buckets.Length, axis)].Add(p);
        }

        foreach (ref readonly var block in blocks)
        {
            buckets[Index(X(block.First, axis), lo, hi, buckets.Length, axis)].Merge(block);
        }

        foreach (var p in tail)
        {
            // Tail points come after every block, so adding them one by one keeps step order.
            buckets[Index(X(p, axis), lo, hi, buckets.Length, axis)].Merge(Single(p));
        }

        return Collect(buckets, axis);
    }

    private static ScalarBucket Single(in ScalarChunkPoint point)
    {
        var bucket = default(ScalarBucket);
        bucket.Add(point);
        return bucket;
    }

    public static int BucketCount(int maxPoints, bool hasNaN) => Math.Max(1, maxPoints / (hasNaN ? 5 : 4));

    private static double X(in ScalarChunkPoint p, ScalarAxis axis) => axis == ScalarAxis.Step ? p.Step : p.WallTime;

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

    private static List<ScalarChunkPoint> Collect(ScalarBucket[] buckets, ScalarAxis axis)
    {
        var output = new List<ScalarChunkPoint>(buckets.Length * 4);
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
