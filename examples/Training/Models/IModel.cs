namespace Metrics.Examples.Training.Models;

/// <summary>
/// What the training loop and the logging side need of a model; a TorchSharp or ML.NET model can
/// implement it where the platform allows.
/// </summary>
internal interface IModel
{
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Computes the loss of the batch and fills every parameter's gradient.</summary>
    float LossAndGradients(float[] inputs, int[] labels);

    /// <summary>Probability of class 1 for one 2-D input.</summary>
    float Predict(float x, float y);
}
