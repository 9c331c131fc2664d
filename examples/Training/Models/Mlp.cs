using System.Numerics.Tensors;

namespace Metrics.Examples.Training.Models;

/// <summary>
/// A multilayer perceptron 2 → hidden → hidden → 2 with tanh activations and a softmax
/// cross-entropy loss; forward and backward passes over the whole batch with TensorPrimitives.
/// </summary>
internal sealed class Mlp : IModel
{
    private readonly Layer[] _layers;

    public Mlp(int[] sizes, Random random)
    {
        Sizes = sizes;
        _layers = new Layer[sizes.Length - 1];
        for (var l = 0; l < _layers.Length; l++)
        {
            var scale = MathF.Sqrt(6f / (sizes[l] + sizes[l + 1]));
            _layers[l] = new Layer(
                Parameter.Random($"dense{l + 1}/kernel", [sizes[l + 1], sizes[l]], scale, random),
                new Parameter($"dense{l + 1}/bias", [sizes[l + 1]], new float[sizes[l + 1]]));
        }

        Parameters = _layers.SelectMany(l => new[] { l.Weights, l.Bias }).ToArray();
    }

    /// <summary>Units per layer, input first.</summary>
    public int[] Sizes { get; }

    public IReadOnlyList<Parameter> Parameters { get; }

    public float LossAndGradients(float[] inputs, int[] labels)
    {
        foreach (var p in Parameters)
        {
            Array.Clear(p.Gradient);
        }

        var n = labels.Length;
        var loss = 0f;
        var activations = new float[_layers.Length + 1][];
        for (var i = 0; i < n; i++)
        {
            activations[0] = [inputs[2 * i], inputs[(2 * i) + 1]];
            for (var l = 0; l < _layers.Length; l++)
            {
                activations[l + 1] = _layers[l].Forward(activations[l], last: l == _layers.Length - 1);
            }

            // Softmax cross-entropy: dL/dlogits = softmax - onehot.
            var probabilities = new float[2];
            TensorPrimitives.SoftMax(activations[^1], probabilities);
            loss -= MathF.Log(MathF.Max(probabilities[labels[i]], 1e-12f));
            var delta = probabilities;
            delta[labels[i]] -= 1;
            TensorPrimitives.Divide(delta, n, delta);
            for (var l = _layers.Length - 1; l >= 0; l--)
            {
                delta = _layers[l].Backward(activations[l], activations[l + 1], delta, last: l == _layers.Length - 1);
            }
        }

        return loss / n;
    }

    public float Predict(float x, float y)
    {
        float[] a = [x, y];
        for (var l = 0; l < _layers.Length; l++)
        {
            a = _layers[l].Forward(a, last: l == _layers.Length - 1);
        }

        var probabilities = new float[2];
        TensorPrimitives.SoftMax(a, probabilities);
        return probabilities[1];
    }

    private sealed class Layer(Parameter weights, Parameter bias)
    {
        public Parameter Weights { get; } = weights;

        public Parameter Bias { get; } = bias;

        private int Inputs => Weights.Shape[1];

        private int Outputs => Weights.Shape[0];

        public float[] Forward(float[] input, bool last)
        {
            var output = new float[Outputs];
            for (var o = 0; o < Outputs; o++)
            {
                output[o] = TensorPrimitives.Dot(Weights.Values.AsSpan(o * Inputs, Inputs), input) + Bias.Values[o];
            }

            if (!last)
            {
                TensorPrimitives.Tanh(output, output);
            }

            return output;
        }

        /// <summary>Accumulates this layer's gradients from dL/d(output); returns dL/d(input), the output of the layer below.</summary>
        public float[] Backward(float[] input, float[] output, float[] delta, bool last)
        {
            if (!last)
            {
                // tanh' = 1 - tanh².
                for (var o = 0; o < delta.Length; o++)
                {
                    delta[o] *= 1 - (output[o] * output[o]);
                }
            }

            var below = new float[Inputs];
            for (var o = 0; o < Outputs; o++)
            {
                var row = Weights.Gradient.AsSpan(o * Inputs, Inputs);
                TensorPrimitives.MultiplyAdd(input, delta[o], row, row);
                Bias.Gradient[o] += delta[o];
                TensorPrimitives.MultiplyAdd(Weights.Values.AsSpan(o * Inputs, Inputs), delta[o], below, below);
            }

            return below;
        }
    }
}
