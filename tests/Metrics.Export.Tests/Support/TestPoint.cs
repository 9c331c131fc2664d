namespace Metrics.Export.Tests.Support;

/// <summary>A point to store: a scalar value, a serialized TensorProto, or blobs, by the series' data class.</summary>
internal sealed record TestPoint(long SeriesId, long Step, double WallTime, double Value = 0, byte[]? Tensor = null, byte[][]? Blobs = null);
