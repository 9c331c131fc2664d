using System.Text.Json.Serialization;

namespace Metrics.Query.Blobs;

/// <summary>
/// A blob-sequence series in columns, step by step, as what it holds: <see cref="Images"/> for the
/// images plugin (one entry per image, with its width and height), <see cref="Audio"/> for the audio
/// plugin (one entry per clip, with its label), <see cref="Blobs"/> (the raw blob list) for anything
/// else, such as the run graph. Exactly one of the three is present.
/// </summary>
internal sealed record BlobSeries(
    long RunId,
    string Tag,
    string PluginName,
    bool Downsampled,
    long PointsInRange,
    long[] Steps,
    double[] WallTimes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<IReadOnlyList<BlobRef>>? Blobs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<IReadOnlyList<BlobImage>>? Images,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<IReadOnlyList<BlobSound>>? Audio);
