namespace Metrics.Storage.Writes.Internal;

/// <summary>One scalar row; <see cref="Order"/> is its arrival order, so the later write of a step wins.</summary>
internal readonly record struct ScalarRow(long SeriesId, long Step, int Order, double WallTime, double Value) : IPointRow;
