namespace Metrics.Bench.Storage;

/// <summary>Values of realistic training curves, seeded; float32 ones are rounded as a float32 tensor's value would be.</summary>
internal static class TrainingValues
{
    /// <summary>A noisy decreasing loss: exponential decay to a floor, Gaussian noise proportional to its scale.</summary>
    public static double[] Loss(int n, Random random, bool float32)
    {
        var scale = 0.5 + (random.NextDouble() * 5);
        var values = new double[n];
        for (var i = 0; i < n; i++)
        {
            var v = Math.Abs((scale * Math.Exp(-i / ((n / 4.0) + 1))) + 0.05 + (0.05 * scale * Gaussian(random)));
            values[i] = float32 ? (float)v : v;
        }

        return values;
    }

    /// <summary>Correct answers out of 10,000 examples, rising towards <paramref name="top"/>, as float32.</summary>
    public static double[] Accuracy(int n, Random random, double top)
    {
        const int Examples = 10_000;
        var values = new double[n];
        for (var i = 0; i < n; i++)
        {
            var p = top - ((top - 0.1) * Math.Exp(-i / ((n / 5.0) + 1)));
            var correct = Math.Clamp((int)Math.Round((p * Examples) + (Gaussian(random) * 30)), 0, Examples);
            values[i] = (float)correct / Examples;
        }

        return values;
    }

    /// <summary>Linear warm-up over the first 5 % to 3e-4, then cosine decay to 0, as float32.</summary>
    public static double[] CosineLearningRate(int n)
    {
        const float Peak = 3e-4f;
        var warmup = Math.Max(1, n / 20);
        var values = new double[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = i < warmup
                ? Peak * (i + 1) / warmup
                : (float)(Peak * 0.5 * (1 + Math.Cos(Math.PI * (i - warmup) / Math.Max(1, n - warmup))));
        }

        return values;
    }

    /// <summary>0.1, divided by 10 at a third and at two thirds of the points, as float32.</summary>
    public static double[] StepLearningRate(int n)
    {
        var values = new double[n];
        var third = Math.Max(1, n / 3);
        for (var i = 0; i < n; i++)
        {
            values[i] = 0.1f * MathF.Pow(0.1f, Math.Min(2, i / third));
        }

        return values;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
