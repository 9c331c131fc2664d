using System.Text.Json.Nodes;

namespace Metrics.Query.Tensors;

/// <summary>A tensor series in columns: values[i] is the decoded tensor at steps[i]; dtypes and shapes beside.</summary>
internal sealed record TensorSeries(
    long RunId,
    string Tag,
    string PluginName,
    bool Downsampled,
    long PointsInRange,
    long[] Steps,
    double[] WallTimes,
    IReadOnlyList<string> Dtypes,
    IReadOnlyList<long[]> Shapes,
    IReadOnlyList<JsonNode?> Values);
