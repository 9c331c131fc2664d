using Metrics.Query.Runs;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Query.Scalars;

/// <summary>
/// Downsampled reads. Short series and short ranges are read whole (an index-only range scan)
/// and bucketed here; a long range of a long series is bucketed from its block summary plus the
/// few points at the range's edges and the unsummarised tail, so a 1M-point series answers after
/// reading at most a few hundred rows.
/// </summary>
internal sealed class ScalarReader(NpgsqlDataSource dataSource, SeriesSummaryCache summaries, IOptions<QueryOptions> options)
{
    public async Task<ScalarSeries> ReadAsync(SeriesRef series, ScalarQuery query, CancellationToken cancellationToken)
    {
        var threshold = options.Value.SummaryThresholdPoints;
        if (series.PointCount > threshold)
        {
            var summary = await summaries.GetAsync(series, cancellationToken);
            var first = summary.FirstBlockFrom(query.FromStep);
            var last = summary.LastBlockThrough(query.ToStep);
            if (UseSummary(last - first + 1, query.MaxPoints, threshold))
            {
                return await ReadFromSummaryAsync(series, summary, first, last, query, cancellationToken);
            }
        }

        var points = await ScalarRows.ReadAsync(dataSource, series.SeriesId, query.FromStep, query.ToStep, cancellationToken);
        return FromRows(series, points, query);
    }

    /// <summary>
    /// Reads many series: the short ones (the usual dashboard grid) in one round trip, the long
    /// ones through their summaries. Results keep the order of <paramref name="series"/>.
    /// </summary>
    public async Task<ScalarSeries[]> ReadManyAsync(IReadOnlyList<SeriesRef> series, ScalarQuery query, CancellationToken cancellationToken)
    {
        var results = new ScalarSeries[series.Count];
        var threshold = options.Value.SummaryThresholdPoints;
        var shortOnes = Enumerable.Range(0, series.Count).Where(i => series[i].PointCount <= threshold).ToList();
        if (shortOnes.Count > 0)
        {
            var rows = await ScalarRows.ReadManyAsync(dataSource, [.. shortOnes.Select(i => series[i].SeriesId)], query.FromStep, query.ToStep, cancellationToken);
            foreach (var i in shortOnes)
            {
                results[i] = FromRows(series[i], rows.GetValueOrDefault(series[i].SeriesId) ?? [], query);
            }
        }

        foreach (var i in Enumerable.Range(0, series.Count).Where(i => series[i].PointCount > threshold))
        {
            results[i] = await ReadAsync(series[i], query, cancellationToken);
        }

        return results;
    }

    private static ScalarSeries FromRows(SeriesRef series, List<ScalarPoint> points, ScalarQuery query) =>
        ScalarSeries.From(series.RunId, series.Tag, ScalarDownsampler.Downsample(points, query.MaxPoints, query.Axis), points.Count);

    private async Task<ScalarSeries> ReadFromSummaryAsync(SeriesRef series, SeriesSummary summary, int first, int last, ScalarQuery query, CancellationToken cancellationToken)
    {
        var blocks = summary.Blocks;
        var headTo = blocks[first].First.Step - 1;
        var tailFrom = blocks[last].Last.Step == long.MaxValue ? long.MaxValue : blocks[last].Last.Step + 1;
        // Nothing precedes the first block: a point written before it later is a rewrite, which rebuilds the summary.
        var head = first > 0 && query.FromStep <= headTo
            ? await ScalarRows.ReadAsync(dataSource, series.SeriesId, query.FromStep, headTo, cancellationToken)
            : [];
        var tail = blocks[last].Last.Step < query.ToStep
            ? await ScalarRows.ReadAsync(dataSource, series.SeriesId, tailFrom, query.ToStep, cancellationToken)
            : [];
        if (last == blocks.Length - 1)
        {
            summaries.Extend(summary, tail);
        }

        long total = head.Count + tail.Count;
        for (var i = first; i <= last; i++)
        {
            total += blocks[i].Count;
        }

        var points = ScalarDownsampler.Downsample(head, blocks.AsSpan(first, last - first + 1), tail, query.MaxPoints, query.Axis);
        return ScalarSeries.From(series.RunId, series.Tag, points, total);
    }

    /// <summary>
    /// Blocks serve a range that holds more points than max_points and than a direct read should
    /// scan, unless the buckets asked for are finer than blocks and the range is still small
    /// enough (8 × threshold) to read whole.
    /// </summary>
    private static bool UseSummary(long blocks, int maxPoints, int threshold)
    {
        var points = blocks * SeriesSummary.BlockSize;
        var buckets = ScalarDownsampler.BucketCount(maxPoints, hasNaN: false);
        return points > Math.Max(threshold, maxPoints) && (blocks >= buckets || points > 8L * threshold);
    }
}
