namespace Metrics.Client.Internal;

/// <summary>
/// TensorBoard's histogram v2 bucketing (tensorboard/plugins/histogram/summary_v2.py): bucket_count
/// buckets of equal width between min and max (edges as numpy.linspace), the last bucket closed; all
/// counts in the last bucket when every value is equal; bucket_count zero rows when there is no data.
/// Non-finite values are left out (TensorBoard's math would make every edge NaN).
/// </summary>
internal static class HistogramBuckets
{
    public const int DefaultBucketCount = 30;

    public static HistogramBucket[] Compute(ReadOnlySpan<double> data, int bucketCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bucketCount);
        var buckets = new HistogramBucket[bucketCount];
        if (bucketCount == 0)
        {
            return buckets;
        }

        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        long size = 0;
        foreach (var v in data)
        {
            if (double.IsFinite(v))
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
                size++;
            }
        }

        if (size == 0)
        {
            return buckets;
        }

        var range = max - min;
        if (range == 0)
        {
            for (var i = 0; i < bucketCount; i++)
            {
                buckets[i] = new HistogramBucket(min, min, i == bucketCount - 1 ? size : 0);
            }

            return buckets;
        }

        var width = range / bucketCount;
        var counts = new long[bucketCount];
        foreach (var v in data)
        {
            if (double.IsFinite(v))
            {
                var index = (long)Math.Floor((v - min) / width);
                counts[Math.Min(index, bucketCount - 1)]++;
            }
        }

        // numpy.linspace(min, max, bucket_count + 1): i * step + start, the last edge exactly max.
        var step = range / bucketCount;
        for (var i = 0; i < bucketCount; i++)
        {
            var left = (i * step) + min;
            var right = i == bucketCount - 1 ? max : ((i + 1) * step) + min;
            buckets[i] = new HistogramBucket(left, right, counts[i]);
        }

        return buckets;
    }
}
