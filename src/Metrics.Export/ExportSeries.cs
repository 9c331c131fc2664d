using Google.Protobuf;
using Metrics.Contracts.TensorBoard;
using Metrics.TensorBoard;

namespace Metrics.Export;

/// <summary>One series (tag) of a run as stored: its data class (1 scalar, 2 tensor, 3 blob sequence) and TensorBoard metadata.</summary>
public sealed record ExportSeries(long SeriesId, string Tag, short DataClass, string PluginName, byte[] PluginContent, string DisplayName, string Description)
{
    /// <summary>The SummaryMetadata written with the tag's first value in each event file.</summary>
    public SummaryMetadata Metadata { get; } = new()
    {
        PluginData = new SummaryMetadata.Types.PluginData { PluginName = PluginName, Content = ByteString.CopyFrom(PluginContent) },
        DisplayName = DisplayName,
        SummaryDescription = Description,
        DataClass = (Metrics.Contracts.TensorBoard.DataClass)DataClass,
    };

    /// <summary>The run graph, written as <c>Event.graph_def</c> rather than as a summary.</summary>
    public bool IsRunGraph => PluginName == PluginNames.Graphs && Tag == PluginNames.RunGraphTag;

    /// <summary>Tagged run metadata, written as <c>Event.tagged_run_metadata</c> (how TensorBoard's reader found it).</summary>
    public bool IsTaggedRunMetadata => PluginName == "graph_tagged_run_metadata";
}
