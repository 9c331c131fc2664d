using Metrics.Storage.Writes;

namespace Metrics.Bench.Storage;

/// <summary>
/// One run's points of one <see cref="CurveKind"/>, as an SDK would have sent them: steps every
/// <see cref="CurveKind.Every"/>, wall times in the C# SDK's 100 ns ticks over 10⁷ on a clock that
/// advances a steady interval with jitter and pauses every <see cref="CurveKind.PauseEverySteps"/>
/// steps, each tag of a step read a few microseconds after the previous one.
/// </summary>
internal sealed class TrainingRun
{
    private TrainingRun(string name, IReadOnlyList<ScalarPoints> series)
    {
        Name = name;
        Series = series;
    }

    public string Name { get; }

    /// <summary>One entry per tag of the kind, all of the same length.</summary>
    public IReadOnlyList<ScalarPoints> Series { get; }

    public long PointCount => Series.Sum(s => (long)s.Count);

    public static TrainingRun Create(CurveKind kind, int run, int pointsPerTag, int seed)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentOutOfRangeException.ThrowIfLessThan(pointsPerTag, 1);
        var random = new Random(seed);
        var steps = new long[pointsPerTag];
        var clock = new long[pointsPerTag];
        var ticks = (1_700_000_000L + (run * 86_400L)) * TimeSpan.TicksPerSecond + random.NextInt64(TimeSpan.TicksPerHour);
        for (var i = 0; i < pointsPerTag; i++)
        {
            steps[i] = (long)i * kind.Every;
            if (i > 0)
            {
                var pauses = (steps[i] / CurveKind.PauseEverySteps) - (steps[i - 1] / CurveKind.PauseEverySteps);
                var seconds = (kind.Every * kind.StepSeconds) + ((random.NextDouble() - 0.5) * 2 * kind.JitterSeconds) + (pauses * CurveKind.PauseSeconds);
                ticks += Math.Max(1, (long)(seconds * TimeSpan.TicksPerSecond));
            }

            clock[i] = ticks;
        }

        var series = new List<ScalarPoints>();
        for (var t = 0; t < kind.Tags.Count; t++)
        {
            var walls = new double[pointsPerTag];
            for (var i = 0; i < pointsPerTag; i++)
            {
                // Each tag's add_scalar reads the clock itself, a few microseconds after the one before.
                var offset = t == 0 ? 0 : t * random.Next(30, 300);
                walls[i] = (clock[i] + offset) / (double)TimeSpan.TicksPerSecond;
            }

            series.Add(new ScalarPoints(kind.Tags[t], steps, walls, kind.Values(t, pointsPerTag, random)));
        }

        return new TrainingRun($"{kind.Name}/run-{run:D3}", series);
    }

    /// <summary>
    /// The points as the SDK's flushes cut them: every <paramref name="flushSeconds"/> of the run's
    /// clock, the points logged since the last flush (all tags), in step order. Empty flushes
    /// (pauses) send nothing.
    /// </summary>
    public IEnumerable<IReadOnlyList<ScalarPoints>> Flushes(double flushSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(flushSeconds);
        var first = Series[0];
        var start = first.WallTimes[0];
        var begin = 0;
        while (begin < first.Count)
        {
            var window = Math.Floor((first.WallTimes[begin] - start) / flushSeconds);
            var end = begin + 1;
            while (end < first.Count && Math.Floor((first.WallTimes[end] - start) / flushSeconds) == window)
            {
                end++;
            }

            yield return [.. Series.Select(s => new ScalarPoints(s.Tag, s.Steps[begin..end], s.WallTimes[begin..end], s.Values[begin..end]))];
            begin = end;
        }
    }
}
