namespace Metrics.Export;

/// <summary>A run as the exporter sees it: where it goes and the versions that say what changed.</summary>
public sealed record RunInfo(long RunId, string Project, string Name, long DataVersion, long RewriteVersion);
