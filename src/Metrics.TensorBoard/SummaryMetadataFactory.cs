using Google.Protobuf;
using Metrics.Contracts.TensorBoard;

namespace Metrics.TensorBoard;

/// <summary>The <see cref="SummaryMetadata"/> TensorBoard's own summary ops write for each plugin.</summary>
public static class SummaryMetadataFactory
{
    /// <summary>Plugin <c>scalars</c>, data class scalar.</summary>
    public static SummaryMetadata Scalars(string displayName = "", string description = "") =>
        Create(PluginNames.Scalars, new ScalarPluginData().ToByteString(), DataClass.Scalar, displayName, description);

    /// <summary>Plugin <c>histograms</c>, data class tensor (<c>[k,3]</c> of left, right, count).</summary>
    public static SummaryMetadata Histograms(string displayName = "", string description = "") =>
        Create(PluginNames.Histograms, new HistogramPluginData().ToByteString(), DataClass.Tensor, displayName, description);

    /// <summary>Plugin <c>images</c>, data class blob sequence (<c>[width, height, png...]</c>).</summary>
    public static SummaryMetadata Images(string displayName = "", string description = "", bool convertedToTensor = false) =>
        Create(PluginNames.Images, new ImagePluginData { ConvertedToTensor = convertedToTensor }.ToByteString(), DataClass.BlobSequence, displayName, description);

    /// <summary>Plugin <c>audio</c> (WAV), data class blob sequence.</summary>
    public static SummaryMetadata Audio(string displayName = "", string description = "", bool convertedToTensor = false) =>
        Create(
            PluginNames.Audio,
            new AudioPluginData { Encoding = AudioPluginData.Types.Encoding.Wav, ConvertedToTensor = convertedToTensor }.ToByteString(),
            DataClass.BlobSequence,
            displayName,
            description);

    /// <summary>Plugin <c>text</c>, data class tensor (DT_STRING).</summary>
    public static SummaryMetadata Text(string displayName = "", string description = "") =>
        Create(PluginNames.Text, new TextPluginData().ToByteString(), DataClass.Tensor, displayName, description);

    /// <summary>Plugin <c>graphs</c> for the run graph, data class blob sequence.</summary>
    public static SummaryMetadata RunGraph() => Create(PluginNames.Graphs, ByteString.Empty, DataClass.BlobSequence, string.Empty, string.Empty);

    /// <summary>Any plugin.</summary>
    public static SummaryMetadata Create(string pluginName, ByteString content, DataClass dataClass, string displayName = "", string description = "") =>
        new()
        {
            PluginData = new SummaryMetadata.Types.PluginData { PluginName = pluginName, Content = content },
            DataClass = dataClass,
            DisplayName = displayName,
            SummaryDescription = description,
        };
}
