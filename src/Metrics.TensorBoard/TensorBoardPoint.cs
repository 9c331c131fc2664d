using Google.Protobuf;
using Google.Protobuf.Collections;
using Metrics.Contracts.TensorBoard;

namespace Metrics.TensorBoard;

/// <summary>
/// One point of one tag as TensorBoard reads it (after v1 → v2 conversion): step, wall time,
/// the series' <see cref="SummaryMetadata"/> (first seen in the run) and the value, read by data class:
/// <see cref="Scalar"/> for scalars, <see cref="Tensor"/> for tensors, <see cref="Blobs"/> for blob sequences.
/// </summary>
public readonly struct TensorBoardPoint
{
    private static readonly RepeatedField<ByteString> NoBlobs = [];
    private readonly TensorProto? _tensor;

    internal TensorBoardPoint(string tag, long step, double wallTime, SummaryMetadata metadata, TensorProto? tensor, double scalar)
    {
        Tag = tag;
        Step = step;
        WallTime = wallTime;
        Metadata = metadata;
        _tensor = tensor;
        Scalar = scalar;
    }

    public string Tag { get; }

    public long Step { get; }

    /// <summary>Seconds since the Unix epoch.</summary>
    public double WallTime { get; }

    /// <summary>The series' metadata (plugin name and content, data class); empty if the run never gave any.</summary>
    public SummaryMetadata Metadata { get; }

    public DataClass DataClass => Metadata.DataClass;

    public string PluginName => Metadata.PluginData?.PluginName ?? string.Empty;

    /// <summary>The value of a rank-0 numeric tensor as float64 (float32 values widened exactly); NaN otherwise.</summary>
    public double Scalar { get; }

    /// <summary>The tensor (scalars read on the fast path get a rank-0 DT_FLOAT tensor built on demand).</summary>
    public TensorProto Tensor => _tensor ?? TensorValues.FloatScalar((float)Scalar);

    /// <summary>The blobs of a blob-sequence point (the DT_STRING values).</summary>
    public IReadOnlyList<ByteString> Blobs => _tensor?.StringVal ?? NoBlobs;

    /// <summary>The tensor as read; null for scalars read on the fast path.</summary>
    internal TensorProto? RawTensor => _tensor;
}
