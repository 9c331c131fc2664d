using Metrics.Query.Runs;
using Metrics.Storage.Chunks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Query.Scalars;

/// <summary>
/// Downsampled reads. Short series and short ranges are read whole and bucketed here; a long range
/// of a long series is bucketed from the summaries stored with its chunks (issue #17) plus the
/// decoded points of the chunks crossing the range's edges, so a 1M-point series answers after
/// reading one summary row per chunk, without decoding, and every replica gives the same answer.
/// Those summaries are cached per (series_id, chunk_version) (<see cref="ChunkSummaryCache"/>), so a
/// repeated read costs one version check plus the decoding of the edge chunks.
/// </summary>
internal sealed class ScalarReader(NpgsqlDataSource dataSource, ChunkSummaryCache cache, IOptions<QueryOptions> options)
{
    public async Task<ScalarSeries> ReadAsync(SeriesRef series, ScalarQuery query, CancellationToken cancellationToken)
    {
        var threshold = options.Value.SummaryThresholdPoints;
        if (series.PointCount > threshold)
        {
            // Cached summaries when their chunk_version is still the series' (ChunkSummaryCache), else one uncached read.
            var cached = await cache.ReadRangeAsync(dataSource, series.SeriesId, series.ChunkVersion, query.FromStep, query.ToStep, cancellationToken);
            if (cached is not null)
            {
                if (UseSummaries(cached.PointCount, cached.Blocks.Count, query.MaxPoints, threshold))
                {
                    var downsampled = ScalarDownsampler.Downsample(cached.Head, cached.Blocks, cached.Tail, query.MaxPoints, query.Axis);
                    return ScalarSeries.From(series.RunId, series.Tag, downsampled, cached.PointCount);
                }
            }
            else
            {
                var range = await ScalarChunkReads.ReadRangeAsync(dataSource, series.SeriesId, query.FromStep, query.ToStep, cancellationToken);
                if (UseSummaries(range.PointCount, range.Blocks.Count, query.MaxPoints, threshold))
                {
                    return FromRange(series, range, query);
                }
            }
        }

        var points = await ScalarChunkReads.ReadPointsAsync(dataSource, series.SeriesId, query.FromStep, query.ToStep, cancellationToken);
        return FromPoints(series, points, query);
    }

    /// <summary>
    /// Reads many series: the short ones (the usual dashboard grid) in one round trip, the long
    /// ones through their chunk summaries. Results keep the order of <paramref name="series"/>.
    /// </summary>
    public async Task<ScalarSeries[]> ReadManyAsync(IReadOnlyList<SeriesRef> series, ScalarQuery query, CancellationToken cancellationToken)
    {
        var results = new ScalarSeries[series.Count];
        var threshold = options.Value.SummaryThresholdPoints;
        var shortOnes = Enumerable.Range(0, series.Count).Where(i => series[i].PointCount <= threshold).ToList();
        if (shortOnes.Count > 0)
        {
            var points = await ScalarChunkReads.ReadPointsAsync(dataSource, [.. shortOnes.Select(i => series[i].SeriesId)], query.FromStep, query.ToStep, cancellationToken);
            foreach (var i in shortOnes)
            {
                results[i] = FromPoints(series[i], points.GetValueOrDefault(series[i].SeriesId) ?? [], query);
            }
        }

        foreach (var i in Enumerable.Range(0, series.Count).Where(i => series[i].PointCount > threshold))
        {
            results[i] = await ReadAsync(series[i], query, cancellationToken);
        }

        return results;
    }

    private static ScalarSeries FromPoints(SeriesRef series, List<ScalarChunkPoint> points, ScalarQuery query) =>
        ScalarSeries.From(series.RunId, series.Tag, ScalarDownsampler.Downsample(points, query.MaxPoints, query.Axis), points.Count);

    private static ScalarSeries FromRange(SeriesRef series, ScalarChunkRange range, ScalarQuery query)
    {
        var blocks = new ScalarBucket[range.Blocks.Count];
        for (var i = 0; i < blocks.Length; i++)
        {
            blocks[i] = ScalarBucket.From(range.Blocks[i]);
        }

        var points = ScalarDownsampler.Downsample(range.Head, blocks, range.Tail, query.MaxPoints, query.Axis);
        return ScalarSeries.From(series.RunId, series.Tag, points, range.PointCount);
    }

    /// <summary>
    /// Chunk summaries serve a range that holds more points than max_points and than a direct read
    /// should decode, unless the buckets asked for are finer than the chunks and the range is still
    /// small enough (8 × threshold) to read whole.
    /// </summary>
    private static bool UseSummaries(long points, int blockCount, int maxPoints, int threshold)
    {
        var buckets = ScalarDownsampler.BucketCount(maxPoints, hasNaN: false);
        return points > Math.Max(threshold, maxPoints) && (blockCount >= buckets || points > 8L * threshold);
    }
}
