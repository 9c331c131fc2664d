namespace Metrics.Query.Tests.TestData;

/// <summary>Test series: smooth curves with spikes, NaN and infinities where a chart must show them.</summary>
public static class Series
{
    public static List<(long Step, double WallTime, double Value)> Adversarial(int count, int seed, long stepStride = 1)
    {
        var random = new Random(seed);
        var points = new List<(long, double, double)>(count);
        for (var i = 0; i < count; i++)
        {
            var value = Math.Sin(i / 50.0) + (random.NextDouble() * 0.1);
            value = (i % 997) switch
            {
                500 => 1e6,            // spike up
                700 => -1e6,           // spike down
                _ => value,
            };
            if (i % 4999 == 123)
            {
                value = double.NaN;
            }
            else if (i % 7919 == 77)
            {
                value = double.PositiveInfinity;
            }
            else if (i % 7919 == 4000)
            {
                value = double.NegativeInfinity;
            }

            points.Add((i * stepStride, 1_700_000_000 + (i * 0.5), value));
        }

        return points;
    }

    /// <summary>What min/max-per-bucket downsampling must keep, computed the plain way.</summary>
    public static List<(long Step, double WallTime, double Value)> ExpectedDownsample(IReadOnlyList<(long Step, double WallTime, double Value)> points, int maxPoints)
    {
        if (points.Count <= maxPoints)
        {
            return [.. points];
        }

        var hasNaN = points.Any(p => double.IsNaN(p.Value));
        var k = Math.Max(1, maxPoints / (hasNaN ? 5 : 4));
        double lo = points[0].Step, hi = points[^1].Step;
        var kept = new SortedDictionary<long, (long, double, double)>();
        foreach (var bucket in points.GroupBy(p => Math.Clamp((int)Math.Floor((p.Step - lo) / (hi - lo + 1) * k), 0, k - 1)))
        {
            var list = bucket.OrderBy(p => p.Step).ToList();
            var candidates = new List<(long Step, double WallTime, double Value)> { list[0], list[^1] };
            var numbers = list.Where(p => !double.IsNaN(p.Value)).ToList();
            if (numbers.Count > 0)
            {
                candidates.Add(numbers.OrderBy(p => p.Value).ThenBy(p => p.Step).First());
                candidates.Add(numbers.OrderByDescending(p => p.Value).ThenBy(p => p.Step).First());
            }

            candidates.AddRange(list.Where(p => double.IsNaN(p.Value)).Take(1));
            foreach (var c in candidates)
            {
                kept[c.Step] = c;
            }
        }

        return [.. kept.Values];
    }
}
