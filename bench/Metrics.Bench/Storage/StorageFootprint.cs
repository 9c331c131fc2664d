namespace Metrics.Bench.Storage;

/// <summary>
/// Bytes on disk of the scalar tables (scalar_points and, from schema v3, scalar_chunks), split as
/// PostgreSQL reports them: the heap's main fork, every index, the TOAST table with its index, and
/// the rest (free-space and visibility maps). <see cref="Total"/> is pg_total_relation_size.
/// </summary>
internal sealed record StorageFootprint(long Heap, long Indexes, long Toast, long Total)
{
    /// <summary>Free-space and visibility maps: what pg_total_relation_size counts beyond heap, indexes and TOAST.</summary>
    public long Maps => Total - Heap - Indexes - Toast;

    public static StorageFootprint Zero { get; } = new(0, 0, 0, 0);

    public StorageFootprint Add(StorageFootprint other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Heap + other.Heap, Indexes + other.Indexes, Toast + other.Toast, Total + other.Total);
    }

    /// <summary><see cref="Total"/> over <paramref name="points"/>; throws when there is no point to divide by.</summary>
    public double BytesPerPoint(long points) => PerPoint(Total, points);

    public static double PerPoint(long bytes, long points)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(points);
        return bytes / (double)points;
    }
}
