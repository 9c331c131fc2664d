namespace Metrics.Storage.Writes;

/// <summary>TensorBoard's DataClass of a series (same numbers as series.data_class and the proto).</summary>
public enum SeriesDataClass : short
{
    Scalar = 1,
    Tensor = 2,
    BlobSequence = 3,
}
