namespace Metrics.Query.Runs;

/// <summary>The first and last step of a run's points and their wall times (null when it has none).</summary>
internal sealed record RunExtent(long? FirstStep, long? LastStep, double? FirstWallTime, double? LastWallTime);
