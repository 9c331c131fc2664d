namespace Metrics.Bench.Soak;

/// <summary>Latencies in milliseconds, thread-safe, with percentiles.</summary>
public sealed class LatencyRecorder
{
    private readonly List<double> _samples = [];

    public int Count
    {
        get
        {
            lock (_samples)
            {
                return _samples.Count;
            }
        }
    }

    public void Add(double milliseconds)
    {
        lock (_samples)
        {
            _samples.Add(milliseconds);
        }
    }

    /// <summary>The <paramref name="percentile"/> (0-100) of the samples so far, 0 without any.</summary>
    public double Percentile(double percentile)
    {
        double[] sorted;
        lock (_samples)
        {
            sorted = [.. _samples];
        }

        if (sorted.Length == 0)
        {
            return 0;
        }

        Array.Sort(sorted);
        var index = (int)Math.Ceiling(percentile / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }

    public double Max => Percentile(100);
}
