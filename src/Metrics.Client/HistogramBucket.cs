namespace Metrics.Client;

/// <summary>One histogram bucket as TensorBoard stores it: the interval [<see cref="Left"/>, <see cref="Right"/>) and its count.</summary>
/// <param name="Left">Left edge of the bucket.</param>
/// <param name="Right">Right edge of the bucket.</param>
/// <param name="Count">Number of values in the bucket.</param>
public readonly record struct HistogramBucket(double Left, double Right, double Count);
