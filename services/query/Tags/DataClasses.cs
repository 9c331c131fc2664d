namespace Metrics.Query.Tags;

/// <summary>TensorBoard's DataClass as stored in series.data_class, and its name in the API.</summary>
internal static class DataClasses
{
    public const short Scalar = 1;
    public const short Tensor = 2;
    public const short BlobSequence = 3;

    public static string Name(short dataClass) => dataClass switch
    {
        Scalar => "scalar",
        Tensor => "tensor",
        BlobSequence => "blob_sequence",
        _ => "unknown",
    };

    /// <summary>Which endpoint serves a data class, for errors that point the caller there.</summary>
    public static string Endpoint(short dataClass) => dataClass switch
    {
        Scalar => "scalars",
        Tensor => "tensors",
        _ => "blobs",
    };
}
