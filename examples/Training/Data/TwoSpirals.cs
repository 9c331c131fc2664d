namespace Metrics.Examples.Training.Data;

/// <summary>Two interleaved spirals in [-1, 1]², one class each: a classic dataset a linear model cannot fit.</summary>
internal sealed class TwoSpirals
{
    public TwoSpirals(int pointsPerClass, double noise, int seed)
    {
        var random = new Random(seed);
        var count = pointsPerClass * 2;
        Inputs = new float[count * 2];
        Labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            var label = i % 2;
            var t = (i / 2 + 1) / (double)pointsPerClass;
            var angle = (t * 2.5 * Math.PI) + (label * Math.PI);
            Inputs[2 * i] = (float)((t * Math.Cos(angle)) + (noise * Gaussian(random)));
            Inputs[(2 * i) + 1] = (float)((t * Math.Sin(angle)) + (noise * Gaussian(random)));
            Labels[i] = label;
        }
    }

    /// <summary>Row-major [count, 2].</summary>
    public float[] Inputs { get; }

    public int[] Labels { get; }

    public int Count => Labels.Length;

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
