namespace Metrics.Cli.Export;

/// <summary>An event file of a run's archive, unpacked into the staging folder, and its name in the run's folder.</summary>
internal sealed record StagedEventFile(string FileName, string StagedPath);
