namespace Metrics.Cli.Export;

/// <summary>A run as the query service lists it.</summary>
internal sealed record ExportedRun(long RunId, string Name);
