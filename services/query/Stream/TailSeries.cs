namespace Metrics.Query.Stream;

/// <summary>A followed series and the last step a live tail has sent of it.</summary>
internal sealed class TailSeries(long seriesId, string tag)
{
    public long SeriesId { get; } = seriesId;

    public string Tag { get; } = tag;

    public long LastStep { get; set; }
}
