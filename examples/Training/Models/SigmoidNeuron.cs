namespace Metrics.Examples.Training.Models;

/// <summary>One sigmoid neuron y = σ(w·x + b) trained with an L2 (mean squared error) loss.</summary>
internal sealed class SigmoidNeuron : IModel
{
    private readonly Parameter _w;
    private readonly Parameter _b;

    public SigmoidNeuron(Random random)
    {
        _w = Parameter.Random("neuron/w", [2], 0.5f, random);
        _b = new Parameter("neuron/b", [1], [0f]);
        Parameters = [_w, _b];
    }

    public IReadOnlyList<Parameter> Parameters { get; }

    public float LossAndGradients(float[] inputs, int[] labels)
    {
        Array.Clear(_w.Gradient);
        Array.Clear(_b.Gradient);
        var n = labels.Length;
        var loss = 0f;
        for (var i = 0; i < n; i++)
        {
            var y = Sigmoid((_w.Values[0] * inputs[2 * i]) + (_w.Values[1] * inputs[(2 * i) + 1]) + _b.Values[0]);
            var error = y - labels[i];
            loss += error * error;
            var dz = 2 * error * y * (1 - y) / n;
            _w.Gradient[0] += dz * inputs[2 * i];
            _w.Gradient[1] += dz * inputs[(2 * i) + 1];
            _b.Gradient[0] += dz;
        }

        return loss / n;
    }

    public float Predict(float x, float y) => Sigmoid((_w.Values[0] * x) + (_w.Values[1] * y) + _b.Values[0]);

    private static float Sigmoid(float z) => 1f / (1f + MathF.Exp(-z));
}
