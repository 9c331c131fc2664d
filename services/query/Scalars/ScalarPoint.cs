namespace Metrics.Query.Scalars;

/// <summary>One scalar point.</summary>
internal readonly record struct ScalarPoint(long Step, double WallTime, double Value);
