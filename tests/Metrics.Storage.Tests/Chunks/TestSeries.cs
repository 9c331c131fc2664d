using Metrics.Storage.Chunks;

namespace Metrics.Storage.Tests.Chunks;

/// <summary>
/// Seeded series for the chunk property tests: every shape of step, wall time and value the
/// codec must keep bit for bit, and the realistic training curves its sizes are quoted for.
/// </summary>
internal static class TestSeries
{
    /// <summary>Values the codec must not bend: NaN payloads, infinities, signed zeros, subnormals, extremes.</summary>
    public static readonly double[] Specials =
    [
        double.NaN,
        -double.NaN,
        BitConverter.Int64BitsToDouble(0x7FF0_0000_0000_0001), // signalling NaN
        BitConverter.Int64BitsToDouble(0x7FF8_DEAD_BEEF_0001), // quiet NaN with a payload
        BitConverter.Int64BitsToDouble(unchecked((long)0xFFF4_0000_0000_1234)),
        double.PositiveInfinity,
        double.NegativeInfinity,
        0.0,
        -0.0,
        double.Epsilon,
        -double.Epsilon,
        BitConverter.Int64BitsToDouble(0x000F_FFFF_FFFF_FFFF), // largest subnormal
        double.MaxValue,
        double.MinValue,
        1.0,
        -1.0,
    ];

    /// <summary>A random series of 1 to <paramref name="maxLength"/> points with strictly rising steps.</summary>
    public static ScalarChunkPoint[] Random(Random rng, int maxLength)
    {
        var n = rng.Next(1, maxLength + 1);
        var steps = Steps(rng, n);
        var walls = WallTimes(rng, n);
        var values = Values(rng, n);
        var points = new ScalarChunkPoint[n];
        for (var i = 0; i < n; i++)
        {
            points[i] = new ScalarChunkPoint(steps[i], walls[i], values[i]);
        }

        return points;
    }

    public static long[] Steps(Random rng, int n)
    {
        var steps = new long[n];
        switch (rng.Next(7))
        {
            case 0:
                // Every step from some start, as a loop logging each step does.
                Fill(rng, steps, rng.Next(3) == 0 ? 0 : rng.NextInt64(-1_000_000, 1_000_000_000), _ => 1);
                break;
            case 1:
                // A constant logging interval.
                var every = rng.Next(2, 1000);
                Fill(rng, steps, rng.NextInt64(0, 1_000_000), _ => every);
                break;
            case 2:
                Fill(rng, steps, rng.NextInt64(0, 1_000_000), r => r.Next(1, 1000));
                break;
            case 3:
                // Huge and irregular gaps.
                Fill(rng, steps, rng.NextInt64(long.MinValue / 2, 0), r => r.NextInt64(1, (long.MaxValue / 2 / n) + 2));
                break;
            case 4:
                // Ending at long.MaxValue.
                var gap = rng.Next(1, 5);
                for (var i = 0; i < n; i++)
                {
                    steps[i] = long.MaxValue - ((long)(n - 1 - i) * gap);
                }

                break;
            default:
                // Anywhere in the long range, both ends included now and then.
                var set = new HashSet<long>();
                if (rng.Next(2) == 0)
                {
                    set.Add(long.MinValue);
                }

                if (rng.Next(2) == 0 && set.Count < n)
                {
                    set.Add(long.MaxValue);
                }

                while (set.Count < n)
                {
                    set.Add(rng.NextInt64(long.MinValue, long.MaxValue));
                }

                set.CopyTo(steps);
                Array.Sort(steps);
                break;
        }

        return steps;
    }

    public static double[] WallTimes(Random rng, int n)
    {
        var walls = new double[n];
        switch (rng.Next(6))
        {
            case 0:
            case 1:
                Realistic(rng, walls, rng.NextDouble() * 2, rng.NextDouble() * 0.01);
                break;
            case 2:
                Array.Fill(walls, 1.7e9 + rng.NextDouble());
                break;
            case 3:
                // Whole milliseconds, as some writers round them.
                var ms = rng.NextInt64(1_600_000_000_000, 1_800_000_000_000);
                for (var i = 0; i < n; i++)
                {
                    walls[i] = (ms += rng.Next(0, 5000)) / 1000.0;
                }

                break;
            case 4:
                // Clocks that jump back.
                for (var i = 0; i < n; i++)
                {
                    walls[i] = 1.7e9 + (rng.NextDouble() * 1e6);
                }

                break;
            default:
                for (var i = 0; i < n; i++)
                {
                    walls[i] = rng.Next(4) == 0 ? Specials[rng.Next(Specials.Length)] : BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue));
                }

                break;
        }

        return walls;
    }

    public static double[] Values(Random rng, int n)
    {
        var values = new double[n];
        switch (rng.Next(9))
        {
            case 0:
                for (var i = 0; i < n; i++)
                {
                    values[i] = BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue));
                }

                break;
            case 1:
                for (var i = 0; i < n; i++)
                {
                    values[i] = Specials[rng.Next(Specials.Length)];
                }

                break;
            case 2:
                // Runs of repeated values, specials among them.
                var current = 0.5;
                for (var i = 0; i < n; i++)
                {
                    if (rng.Next(10) == 0)
                    {
                        current = rng.Next(3) == 0 ? Specials[rng.Next(Specials.Length)] : rng.NextDouble();
                    }

                    values[i] = current;
                }

                break;
            case 3:
                Loss(rng, values, float32: true);
                break;
            case 4:
                Loss(rng, values, float32: false);
                break;
            case 5:
                Accuracy(rng, values);
                break;
            case 6:
                LearningRate(values, rng.Next(2) == 0);
                break;
            case 7:
                // Subnormals and their neighbours.
                for (var i = 0; i < n; i++)
                {
                    values[i] = BitConverter.Int64BitsToDouble(rng.NextInt64(0, 0x0010_0000_0000_0010) | (rng.Next(2) == 0 ? long.MinValue : 0));
                }

                break;
            default:
                // A loss that diverges: finite, then infinite, then NaN.
                Loss(rng, values, float32: true);
                var blowUp = rng.Next(n);
                for (var i = blowUp; i < n; i++)
                {
                    values[i] = i - blowUp < 3 ? double.PositiveInfinity : double.NaN;
                }

                break;
        }

        return values;
    }

    /// <summary>Wall times as the SDK makes them (100 ns ticks over 1e7) at a steady interval with jitter and, every 1000 points, a pause.</summary>
    public static void Realistic(Random rng, double[] walls, double intervalSeconds, double jitterSeconds)
    {
        var ticks = (long)(1.7e9 * TimeSpan.TicksPerSecond) + rng.NextInt64(TimeSpan.TicksPerDay);
        for (var i = 0; i < walls.Length; i++)
        {
            walls[i] = ticks / (double)TimeSpan.TicksPerSecond;
            var seconds = intervalSeconds + ((rng.NextDouble() - 0.5) * 2 * jitterSeconds) + (i % 1000 == 999 ? 30 : 0);
            ticks += Math.Max(1, (long)(seconds * TimeSpan.TicksPerSecond));
        }
    }

    /// <summary>A noisy decreasing loss; float32 when it came through TensorBoard (DT_FLOAT), float64 when the SDK sent it.</summary>
    public static void Loss(Random rng, double[] values, bool float32)
    {
        var scale = 0.5 + (rng.NextDouble() * 5);
        for (var i = 0; i < values.Length; i++)
        {
            var v = (scale * Math.Exp(-i / (values.Length / 4.0 + 1))) + 0.05 + (0.05 * scale * Gaussian(rng));
            values[i] = float32 ? (float)Math.Abs(v) : Math.Abs(v);
        }
    }

    /// <summary>Evaluation accuracy: correct answers out of a fixed set, rising, as float32.</summary>
    public static void Accuracy(Random rng, double[] values)
    {
        const int Examples = 10_000;
        for (var i = 0; i < values.Length; i++)
        {
            var p = 0.98 - (0.88 * Math.Exp(-i / (values.Length / 5.0 + 1)));
            var correct = Math.Clamp((int)Math.Round((p * Examples) + (Gaussian(rng) * 30)), 0, Examples);
            values[i] = (float)correct / Examples;
        }
    }

    /// <summary>A learning-rate schedule as float32: linear warm-up then cosine decay, or step decay.</summary>
    public static void LearningRate(double[] values, bool cosine)
    {
        const float Peak = 3e-4f;
        var warmup = Math.Max(1, values.Length / 20);
        for (var i = 0; i < values.Length; i++)
        {
            float lr;
            if (cosine)
            {
                lr = i < warmup
                    ? Peak * (i + 1) / warmup
                    : (float)(Peak * 0.5 * (1 + Math.Cos(Math.PI * (i - warmup) / Math.Max(1, values.Length - warmup))));
            }
            else
            {
                lr = Peak * MathF.Pow(0.1f, i / Math.Max(1, values.Length / 3));
            }

            values[i] = lr;
        }
    }

    private static void Fill(Random rng, long[] steps, long start, Func<Random, long> gap)
    {
        var step = start;
        for (var i = 0; i < steps.Length; i++)
        {
            steps[i] = step;
            step += gap(rng);
        }
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
