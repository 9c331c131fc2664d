using Metrics.Client.Internal;

namespace Metrics.Client.Tests;

public sealed class HistogramBucketsTests
{
    // TensorBoard's summary_v2 buckets for [0, 1, 2, 3, 4, 10] with 5 buckets: width 2, edges
    // numpy.linspace(0, 10, 6), values at the right end go to the last bucket.
    [Fact]
    public void Compute_KnownInput_MatchesTensorBoard()
    {
        var buckets = HistogramBuckets.Compute([0, 1, 2, 3, 4, 10], 5);

        Assert.Equal(
            [new(0, 2, 2), new(2, 4, 2), new(4, 6, 1), new(6, 8, 0), new(8, 10, 1)],
            buckets);
    }

    [Fact]
    public void Compute_DefaultCount_ThirtyEqualWidthBucketsCoveringRange()
    {
        var data = Enumerable.Range(0, 1000).Select(i => Math.Sin(i) * 3.7).ToArray();

        var buckets = HistogramBuckets.Compute(data, HistogramBuckets.DefaultBucketCount);

        Assert.Equal(30, buckets.Length);
        Assert.Equal(data.Min(), buckets[0].Left);
        Assert.Equal(data.Max(), buckets[^1].Right);
        Assert.Equal(1000, buckets.Sum(b => b.Count));
        var width = (data.Max() - data.Min()) / 30;
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal((i * width) + data.Min(), buckets[i].Left);
        }
    }

    [Fact]
    public void Compute_SingleValue_AllCountsInLastBucket()
    {
        var buckets = HistogramBuckets.Compute([2.5, 2.5, 2.5], 4);

        Assert.Equal([new(2.5, 2.5, 0), new(2.5, 2.5, 0), new(2.5, 2.5, 0), new(2.5, 2.5, 3)], buckets);
    }

    [Fact]
    public void Compute_NoData_ZeroRows() =>
        Assert.All(HistogramBuckets.Compute([], 30), b => Assert.Equal(default, b));
}
