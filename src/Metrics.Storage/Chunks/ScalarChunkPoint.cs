namespace Metrics.Storage.Chunks;

/// <summary>One scalar point as a chunk holds it: the columns of scalar_points but the series.</summary>
public readonly record struct ScalarChunkPoint(long Step, double WallTime, double Value);
