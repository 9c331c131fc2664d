namespace Metrics.Bench.Soak;

/// <summary>Latencies in milliseconds, thread-safe, with percentiles and the longest pause between two samples.</summary>
public sealed class LatencyRecorder
{
    private readonly List<double> _samples = [];
    private long _lastAdded;
    private double _longestPauseMs;

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
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        lock (_samples)
        {
            _samples.Add(milliseconds);
            if (_lastAdded != 0)
            {
                _longestPauseMs = Math.Max(_longestPauseMs, System.Diagnostics.Stopwatch.GetElapsedTime(_lastAdded, now).TotalMilliseconds);
            }

            _lastAdded = now;
        }
    }

    /// <summary>
    /// The longest time between two samples (ms): for acks, the longest stretch in which no writer
    /// had anything acknowledged (a failover's stall, as writers saw it).
    /// </summary>
    public double LongestPauseMs
    {
        get
        {
            lock (_samples)
            {
                return _longestPauseMs;
            }
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
