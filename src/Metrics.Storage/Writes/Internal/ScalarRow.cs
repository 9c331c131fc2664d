namespace Metrics.Storage.Writes.Internal;

/// <summary>One scalar row; <see cref="Order"/> is its arrival order, so the later write of a step wins.</summary>
internal struct ScalarRow
{
    public long SeriesId;
    public long Step;
    public int Order;
    public double WallTime;
    public double Value;
}
