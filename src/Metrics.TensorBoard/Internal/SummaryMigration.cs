using System.Buffers.Binary;
using System.Globalization;
using Google.Protobuf;
using Metrics.Contracts.TensorBoard;

namespace Metrics.TensorBoard.Internal;

/// <summary>
/// TensorBoard's two read-time migrations: v1 values to v2 tensors (data_compat) and the data class
/// of each series plus the tensor fix-ups that go with it (dataclass_compat). See docs/tensorboard.md.
/// </summary>
internal static class SummaryMigration
{
    private static readonly HashSet<string> GraphSubPlugins = new(StringComparer.Ordinal)
    {
        "graph_run_metadata",
        "graph_run_metadata_graph",
        "graph_keras_model",
    };

    /// <summary>v1 → v2: simple_value, histo, image and audio become tensors with their plugin's metadata.</summary>
    public static Summary.Types.Value MigrateLegacy(Summary.Types.Value value)
    {
        var displayName = value.Metadata is { DisplayName.Length: > 0 } m ? m.DisplayName : value.Tag;
        var description = value.Metadata?.SummaryDescription ?? string.Empty;
        switch (value.ValueCase)
        {
            case Summary.Types.Value.ValueOneofCase.SimpleValue:
                return New(value.Tag, SummaryMetadataFactory.Scalars(displayName, description), TensorValues.FloatScalar(value.SimpleValue));
            case Summary.Types.Value.ValueOneofCase.Histo:
                return New(value.Tag, SummaryMetadataFactory.Histograms(displayName, description), HistogramTensor(value.Histo));
            case Summary.Types.Value.ValueOneofCase.Image:
                var image = value.Image;
                var imageTensor = TensorValues.Blobs(
                [
                    ByteString.CopyFromUtf8(image.Width.ToString(CultureInfo.InvariantCulture)),
                    ByteString.CopyFromUtf8(image.Height.ToString(CultureInfo.InvariantCulture)),
                    image.EncodedImageString,
                ]);
                return New(value.Tag, SummaryMetadataFactory.Images(displayName, description, convertedToTensor: true), imageTensor);
            case Summary.Types.Value.ValueOneofCase.Audio:
                var audioTensor = new TensorProto
                {
                    Dtype = DataType.DtString,
                    TensorShape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dim { Size = 1 }, new TensorShapeProto.Types.Dim { Size = 2 } } },
                    StringVal = { value.Audio.EncodedAudioString, ByteString.Empty },
                };
                return New(value.Tag, SummaryMetadataFactory.Audio(displayName, description, convertedToTensor: true), audioTensor);
            default:
                return value;
        }
    }

    /// <summary>
    /// HistogramProto → DT_FLOAT [k,3] (left, right, count), dropping empty buckets at both ends and
    /// using min/max as the outer edges, in float32 as TensorBoard does.
    /// </summary>
    public static TensorProto HistogramTensor(HistogramProto histo)
    {
        var counts = histo.Bucket;
        var limits = histo.BucketLimit;
        var n = counts.Count;
        var start = 0;
        while (start < n && !(counts[start] > 0))
        {
            start++;
        }

        var end = n - 1;
        while (end >= 0 && !(counts[end] > 0))
        {
            end--;
        }

        var rows = new List<(double Left, double Right, double Count)>();
        if (start <= end)
        {
            for (var i = start; i <= end; i++)
            {
                var left = i == start ? histo.Min : Limit(limits, i - 1);
                var right = i == end ? histo.Max : Limit(limits, i);
                rows.Add((left, right, counts[i]));
            }
        }

        var content = new byte[rows.Count * 3 * sizeof(float)];
        for (var i = 0; i < rows.Count; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(content.AsSpan(((i * 3) + 0) * 4), (float)rows[i].Left);
            BinaryPrimitives.WriteSingleLittleEndian(content.AsSpan(((i * 3) + 1) * 4), (float)rows[i].Right);
            BinaryPrimitives.WriteSingleLittleEndian(content.AsSpan(((i * 3) + 2) * 4), (float)rows[i].Count);
        }

        return new TensorProto
        {
            Dtype = DataType.DtFloat,
            TensorShape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dim { Size = rows.Count }, new TensorShapeProto.Types.Dim { Size = 3 } } },
            TensorContent = ByteString.CopyFrom(content),
        };
    }

    /// <summary>
    /// dataclass_compat for one value. <paramref name="initialMetadata"/> holds, per tag, the metadata
    /// of the tag's first value in the current file (as TensorBoard keeps it per file loader).
    /// </summary>
    public static Summary.Types.Value MigrateDataClass(Summary.Types.Value value, Dictionary<string, SummaryMetadata> initialMetadata)
    {
        if (!initialMetadata.TryGetValue(value.Tag, out var initial))
        {
            initial = value.Metadata?.Clone() ?? new SummaryMetadata();
            initialMetadata[value.Tag] = initial;
        }

        if (initial.DataClass != DataClass.Unknown)
        {
            return value;
        }

        var plugin = initial.PluginData?.PluginName ?? string.Empty;
        var dataClass = plugin switch
        {
            PluginNames.Scalars => DataClass.Scalar,
            PluginNames.Histograms or PluginNames.Text or PluginNames.HParams or PluginNames.PrCurves => DataClass.Tensor,
            PluginNames.Images or PluginNames.Audio => DataClass.BlobSequence,
            _ when GraphSubPlugins.Contains(plugin) => DataClass.BlobSequence,
            _ => DataClass.Unknown,
        };
        if (dataClass == DataClass.Unknown)
        {
            return value;
        }

        var result = value;
        if (result.Metadata is not null)
        {
            result = result.Clone();
            result.Metadata.DataClass = dataClass;
        }

        if (plugin == PluginNames.Audio && result.Tensor is { } audio && audio.TensorShape?.Dim.Count > 1)
        {
            // Keep only the clips: [k, 2] (clip, label) becomes [k].
            result = result == value ? result.Clone() : result;
            var tensor = result.Tensor;
            long stride = 1;
            while (tensor.TensorShape.Dim.Count > 1)
            {
                stride *= tensor.TensorShape.Dim[^1].Size;
                tensor.TensorShape.Dim.RemoveAt(tensor.TensorShape.Dim.Count - 1);
            }

            if (stride != 1)
            {
                var clips = tensor.StringVal.Where((_, i) => i % stride == 0).ToList();
                tensor.StringVal.Clear();
                tensor.StringVal.AddRange(clips);
            }
        }
        else if (plugin == PluginNames.HParams && result.ValueCase != Summary.Types.Value.ValueOneofCase.Tensor)
        {
            result = result == value ? result.Clone() : result;
            result.Tensor = NullTensor();
        }
        else if (GraphSubPlugins.Contains(plugin) && result.Tensor is { } graphTensor && (graphTensor.TensorShape?.Dim.Count ?? 0) == 0)
        {
            result = result == value ? result.Clone() : result;
            result.Tensor.TensorShape ??= new TensorShapeProto();
            result.Tensor.TensorShape.Dim.Add(new TensorShapeProto.Types.Dim { Size = 1 });
        }

        return result;
    }

    /// <summary>The empty DT_FLOAT [0] tensor hparams summaries carry.</summary>
    public static TensorProto NullTensor() =>
        new() { Dtype = DataType.DtFloat, TensorShape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dim { Size = 0 } } } };

    /// <summary>True for the plugins whose values dataclass_compat rewrites beyond the data class.</summary>
    public static bool RewritesValues(string plugin) =>
        plugin is PluginNames.Audio or PluginNames.HParams || GraphSubPlugins.Contains(plugin);

    private static double Limit(Google.Protobuf.Collections.RepeatedField<double> limits, int i) =>
        i < limits.Count ? limits[i] : double.NaN;

    // data_compat leaves the data class unset; dataclass_compat then sets it (and projects audio).
    private static Summary.Types.Value New(string tag, SummaryMetadata metadata, TensorProto tensor)
    {
        metadata.DataClass = DataClass.Unknown;
        return new() { Tag = tag, Metadata = metadata, Tensor = tensor };
    }
}
