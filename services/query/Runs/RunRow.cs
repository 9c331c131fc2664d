namespace Metrics.Query.Runs;

/// <summary>The runs row behind GET /runs/{runId}, with its series and point counts (hparams and hparam_metrics as JSON text).</summary>
internal sealed record RunRow(
    long RunId,
    string Name,
    DateTime CreatedAt,
    DateTime LastWriteAt,
    long DataVersion,
    long RewriteVersion,
    string Hparams,
    string HparamMetrics,
    int SeriesCount,
    long PointCount);
