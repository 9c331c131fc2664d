namespace Metrics.Storage.Writes;

/// <summary>
/// One tensor point: <paramref name="Tensor"/> is a serialized tensorboard.TensorProto whose dtype
/// and shape are copied out into <paramref name="Dtype"/> and <paramref name="Shape"/>.
/// </summary>
public sealed record TensorPointData(string Tag, long Step, double WallTime, short Dtype, long[] Shape, byte[] Tensor);
