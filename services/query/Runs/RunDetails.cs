using System.Text.Json;

namespace Metrics.Query.Runs;

/// <summary>One run with its hparams, writers and the step and wall-time range of its points.</summary>
internal sealed record RunDetails(
    long RunId,
    string Project,
    string Name,
    DateTime CreatedAt,
    DateTime LastWriteAt,
    long DataVersion,
    long RewriteVersion,
    JsonElement Hparams,
    IReadOnlyList<string> HparamMetrics,
    int SeriesCount,
    long PointCount,
    long? FirstStep,
    long? LastStep,
    double? FirstWallTime,
    double? LastWallTime,
    IReadOnlyList<RunWriter> Writers);
