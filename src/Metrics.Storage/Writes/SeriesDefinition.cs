namespace Metrics.Storage.Writes;

/// <summary>
/// The TensorBoard SummaryMetadata of one tag. The first definition of a tag in a run creates its
/// series; later ones must agree on <see cref="DataClass"/> and are otherwise ignored.
/// </summary>
public sealed record SeriesDefinition(
    string Tag,
    SeriesDataClass DataClass,
    string PluginName,
    byte[] PluginContent,
    string DisplayName = "",
    string Description = "");
