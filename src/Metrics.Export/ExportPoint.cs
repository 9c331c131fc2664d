namespace Metrics.Export;

/// <summary>
/// One stored point of <see cref="Series"/>: <see cref="Scalar"/> for scalars, <see cref="Tensor"/>
/// (a serialized TensorProto) for tensors, <see cref="Blobs"/> for blob sequences.
/// </summary>
public readonly record struct ExportPoint(ExportSeries Series, long Step, double WallTime, double Scalar, byte[]? Tensor, byte[][]? Blobs);
