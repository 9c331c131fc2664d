namespace Metrics.TensorBoard;

/// <summary>TensorBoard's plugin names (<c>SummaryMetadata.plugin_data.plugin_name</c>) and special tags.</summary>
public static class PluginNames
{
    public const string Scalars = "scalars";
    public const string Histograms = "histograms";
    public const string Images = "images";
    public const string Audio = "audio";
    public const string Text = "text";
    public const string HParams = "hparams";
    public const string Graphs = "graphs";
    public const string PrCurves = "pr_curves";

    /// <summary>The tag TensorBoard gives the run graph read from <c>Event.graph_def</c>.</summary>
    public const string RunGraphTag = "__run_graph__";
}
