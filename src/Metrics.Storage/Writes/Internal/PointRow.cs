namespace Metrics.Storage.Writes.Internal;

/// <summary>A tensor or blob row (rarer and bigger than scalars, so a reference to the point is enough).</summary>
internal readonly record struct PointRow<T>(long SeriesId, long Step, int Order, T Point) : IPointRow;
