namespace Metrics.Dev.Up;

/// <summary>What `metrics up` was asked for.</summary>
internal sealed record LocalStackSettings(
    string DataDir,
    string Logdir,
    int IngestPort,
    int QueryPort,
    int? PostgresPort,
    bool RunDemo,
    bool ExitWhenReady)
{
    /// <summary>The query service's TensorBoard data-provider port (all local projects, loopback only).</summary>
    public int TensorBoardPort { get; init; } = 6806;
}
