namespace Metrics.Storage.Writes.Internal;

/// <summary>A row bound for a point table: its key and its arrival order (the later write of a step wins).</summary>
internal interface IPointRow
{
    long SeriesId { get; }

    long Step { get; }

    int Order { get; }
}
