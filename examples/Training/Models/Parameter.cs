namespace Metrics.Examples.Training.Models;

/// <summary>A trainable tensor (flat) with its gradient, as an optimizer and a logger see it.</summary>
internal sealed class Parameter(string name, int[] shape, float[] values)
{
    public string Name { get; } = name;

    public int[] Shape { get; } = shape;

    public float[] Values { get; } = values;

    public float[] Gradient { get; } = new float[values.Length];

    public static Parameter Random(string name, int[] shape, float scale, Random random)
    {
        var values = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1) * scale;
        }

        return new Parameter(name, shape, values);
    }
}
