namespace Metrics.Query.Tags;

/// <summary>One series of a run: its TensorBoard metadata, point count and step range.</summary>
internal sealed record TagInfo(
    string Tag,
    string DisplayName,
    string Description,
    string PluginContent,
    long PointCount,
    long? FirstStep,
    long? LastStep,
    double? FirstWallTime,
    double? LastWallTime);
