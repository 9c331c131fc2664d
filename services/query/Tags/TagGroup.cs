namespace Metrics.Query.Tags;

/// <summary>The series of one plugin and data class ("scalar", "tensor", "blob_sequence").</summary>
internal sealed record TagGroup(string PluginName, string DataClass, IReadOnlyList<TagInfo> Tags);
