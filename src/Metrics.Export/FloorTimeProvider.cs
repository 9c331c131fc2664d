namespace Metrics.Export;

/// <summary>
/// A clock that never reads earlier than <paramref name="floor"/>: a new file generation's name
/// (which starts with the unix seconds) then sorts after the old one's, as TensorBoard reads files
/// of a run in name order.
/// </summary>
internal sealed class FloorTimeProvider(TimeProvider inner, DateTimeOffset floor) : TimeProvider
{
    public override DateTimeOffset GetUtcNow()
    {
        var now = inner.GetUtcNow();
        return now < floor ? floor : now;
    }

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;
}
