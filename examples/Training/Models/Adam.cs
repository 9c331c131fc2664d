using System.Numerics.Tensors;

namespace Metrics.Examples.Training.Models;

/// <summary>Adam (Kingma and Ba, 2015) with bias correction, in place over the parameters.</summary>
internal sealed class Adam(IReadOnlyList<Parameter> parameters, float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
{
    private readonly float[][] _m = parameters.Select(p => new float[p.Values.Length]).ToArray();
    private readonly float[][] _v = parameters.Select(p => new float[p.Values.Length]).ToArray();
    private int _t;

    public float LearningRate => learningRate;

    public void Step()
    {
        _t++;
        var correction1 = 1 - MathF.Pow(beta1, _t);
        var correction2 = 1 - MathF.Pow(beta2, _t);
        for (var i = 0; i < parameters.Count; i++)
        {
            var g = parameters[i].Gradient;
            var m = _m[i];
            var v = _v[i];
            var scratch = new float[g.Length];
            // m = beta1 * m + (1 - beta1) * g; v = beta2 * v + (1 - beta2) * g²
            TensorPrimitives.Multiply(m, beta1, m);
            TensorPrimitives.MultiplyAdd(g, 1 - beta1, m, m);
            TensorPrimitives.Multiply(g, g, scratch);
            TensorPrimitives.Multiply(v, beta2, v);
            TensorPrimitives.MultiplyAdd(scratch, 1 - beta2, v, v);
            // w -= lr * (m / c1) / (sqrt(v / c2) + eps)
            var w = parameters[i].Values;
            for (var j = 0; j < w.Length; j++)
            {
                w[j] -= learningRate * (m[j] / correction1) / (MathF.Sqrt(v[j] / correction2) + epsilon);
            }
        }
    }
}
