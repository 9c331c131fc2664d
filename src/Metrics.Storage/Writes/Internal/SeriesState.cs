namespace Metrics.Storage.Writes.Internal;

/// <summary>A series row as locked by the commit, with its counts kept up to date in memory.</summary>
internal sealed class SeriesState(long seriesId, long runId, SeriesDataClass dataClass)
{
    public long SeriesId { get; } = seriesId;

    public long RunId { get; } = runId;

    public SeriesDataClass DataClass { get; } = dataClass;

    public long PointCount { get; set; }

    public long? MinStep { get; set; }

    public long? MaxStep { get; set; }

    /// <summary>Changed by the current segment; written back at its end.</summary>
    public bool Dirty { get; set; }
}
