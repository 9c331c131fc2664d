using Google.Protobuf;
using Metrics.Contracts.TensorBoard;
using Metrics.Contracts.V1;
using DataClass = Metrics.Contracts.V1.DataClass;

namespace Metrics.Ingest.Tests;

/// <summary>Builders of protocol messages for tests.</summary>
internal static class Batches
{
    public static SeriesMetadata ScalarMeta(string tag) => new() { Tag = tag, PluginName = "scalars", DataClass = DataClass.Scalar };

    public static ScalarSeries Scalars(string tag, params long[] steps)
    {
        var series = new ScalarSeries { Tag = tag };
        foreach (var step in steps)
        {
            series.Steps.Add(step);
            series.WallTimes.Add(1_700_000_000 + step);
            series.Values.Add(step * 0.5);
        }

        return series;
    }

    public static Batch Scalar(ulong seq, string tag, params long[] steps)
    {
        var batch = new Batch { Seq = seq, Scalars = { Scalars(tag, steps) } };
        batch.Metadata.Add(ScalarMeta(tag));
        return batch;
    }

    public static TensorProto Histogram(int buckets)
    {
        var tensor = new TensorProto { Dtype = DataType.DtDouble, TensorShape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dim { Size = buckets }, new TensorShapeProto.Types.Dim { Size = 3 } } } };
        tensor.TensorContent = ByteString.CopyFrom(new byte[buckets * 3 * 8]);
        return tensor;
    }
}
