using System.Collections.Concurrent;
using Metrics.Query.Runs;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Query.Scalars;

/// <summary>
/// Block summaries of long scalar series, built on first use by one streaming read, extended as
/// the series grows and rebuilt when the run's rewrite_version moves. Least recently used
/// summaries go when the blocks held pass SUMMARY_CACHE_MAX_BLOCKS.
/// </summary>
internal sealed partial class SeriesSummaryCache(NpgsqlDataSource dataSource, IOptions<QueryOptions> options, TimeProvider time, ILogger<SeriesSummaryCache> logger)
{
    private readonly ConcurrentDictionary<long, Entry> _entries = new();
    private readonly SemaphoreSlim[] _builds = [.. Enumerable.Range(0, 32).Select(_ => new SemaphoreSlim(1, 1))];
    private long _blocks;

    /// <summary>The summary of <paramref name="series"/> at its current rewrite version, building it when needed.</summary>
    public async Task<SeriesSummary> GetAsync(SeriesRef series, CancellationToken cancellationToken)
    {
        if (TryGetCurrent(series, out var summary))
        {
            return summary;
        }

        var gate = _builds[(int)(series.SeriesId & (_builds.Length - 1))];
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (TryGetCurrent(series, out summary))
            {
                return summary;
            }

            var started = time.GetTimestamp();
            var points = await ScalarRows.ReadAsync(dataSource, series.SeriesId, long.MinValue, long.MaxValue, cancellationToken);
            summary = new SeriesSummary(series.SeriesId, series.RewriteVersion, []).Extend(points);
            Store(summary);
            var elapsed = time.GetElapsedTime(started);
            LogBuilt(logger, series.SeriesId, points.Count, elapsed.TotalMilliseconds);
            return summary;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Adds blocks made of tail points just read (those after the summary's last block).</summary>
    public void Extend(SeriesSummary summary, IReadOnlyList<ScalarPoint> tail)
    {
        if (tail.Count < 4 * SeriesSummary.BlockSize)
        {
            return; // not worth a copy yet
        }

        var extended = summary.Extend(tail);
        if (_entries.TryGetValue(summary.SeriesId, out var entry) && ReferenceEquals(entry.Summary, summary))
        {
            Store(extended);
        }
    }

    private bool TryGetCurrent(SeriesRef series, out SeriesSummary summary)
    {
        if (_entries.TryGetValue(series.SeriesId, out var entry) && entry.Summary.RewriteVersion == series.RewriteVersion)
        {
            entry.LastUsed = time.GetTimestamp();
            summary = entry.Summary;
            return true;
        }

        summary = null!;
        return false;
    }

    private void Store(SeriesSummary summary)
    {
        var entry = new Entry(summary) { LastUsed = time.GetTimestamp() };
        var previous = _entries.TryGetValue(summary.SeriesId, out var old) ? old.Summary.Blocks.Length : 0;
        _entries[summary.SeriesId] = entry;
        if (Interlocked.Add(ref _blocks, summary.Blocks.Length - previous) > options.Value.SummaryCacheMaxBlocks)
        {
            Evict();
        }
    }

    private void Evict()
    {
        lock (_entries)
        {
            foreach (var (seriesId, entry) in _entries.OrderBy(e => e.Value.LastUsed).ToList())
            {
                if (Interlocked.Read(ref _blocks) <= options.Value.SummaryCacheMaxBlocks * 3L / 4)
                {
                    break;
                }

                if (_entries.TryRemove(KeyValuePair.Create(seriesId, entry)))
                {
                    Interlocked.Add(ref _blocks, -entry.Summary.Blocks.Length);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Summarised scalar series {SeriesId}: {Points} points in {Milliseconds} ms")]
    private static partial void LogBuilt(ILogger logger, long seriesId, int points, double milliseconds);

    private sealed class Entry(SeriesSummary summary)
    {
        public SeriesSummary Summary { get; } = summary;

        public long LastUsed { get; set; }
    }
}
