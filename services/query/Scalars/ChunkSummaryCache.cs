using Metrics.Storage.Chunks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Query.Scalars;

/// <summary>
/// The persisted chunk summaries of long series, cached per process keyed by (series_id,
/// chunk_version) (issue #17). Nothing is built from points: an entry is the rows of
/// all_scalar_chunks as stored, read with the series' chunk_version in one statement, and every
/// change of a series' chunk rows bumps that version in its own transaction. Each read checks the
/// version (one index lookup, in the same statement as the data of the at most two chunks crossing
/// the range's edges), so a cached layout is only used while it is the database's, and every
/// replica answers alike. Memory is bounded by METRICS_SUMMARY_CACHE_MAX_BLOCKS (least recently
/// used series go first; a series with more blocks than that is read uncached; 0 turns the cache off).
/// Each read goes to the request's server (a standby chosen by the read barrier, or the primary):
/// an entry read on one server serves another only while both have the same chunk_version.
/// </summary>
internal sealed class ChunkSummaryCache(IOptions<QueryOptions> options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _recent = new();
    private long _blocks;

    /// <summary>
    /// The range [fromStep, toStep] of a series as a downsampled read wants it, from cached
    /// summaries (<paramref name="knownVersion"/>: the series' chunk_version if the caller has just
    /// read it on <paramref name="dataSource"/>, which spares the version check); null when the cache cannot serve it (turned off, the series is gone, or its layout
    /// changed under two reads in a row): the caller then reads it uncached.
    /// </summary>
    public async Task<CachedRange?> ReadRangeAsync(NpgsqlDataSource dataSource, long seriesId, long? knownVersion, long fromStep, long toStep, CancellationToken cancellationToken)
    {
        var maxBlocks = options.Value.SummaryCacheMaxBlocks;
        if (maxBlocks == 0)
        {
            return null;
        }

        for (var attempt = 0; attempt < 2; attempt++)
        {
            var entry = Find(seriesId) ?? await LoadAsync(dataSource, seriesId, maxBlocks, cancellationToken);
            if (entry is null)
            {
                return null;
            }

            var (lo, hi) = Overlapping(entry.Blocks, fromStep, toStep);
            var crossing = new List<long>(2);
            if (lo <= hi && entry.Blocks[lo].First.Step < fromStep)
            {
                crossing.Add(entry.Blocks[lo].First.Step);
            }

            if (lo <= hi && entry.Blocks[hi].Last.Step > toStep && (hi != lo || crossing.Count == 0))
            {
                crossing.Add(entry.Blocks[hi].First.Step);
            }

            if (crossing.Count == 0 && knownVersion == entry.Version)
            {
                // The caller read the series' chunk_version on this server already and no edge chunk
                // needs decoding: the cached layout is the database's, no round trip needed.
                return Build(entry.Blocks, lo, hi, [], fromStep, toStep);
            }

            var read = await ScalarChunkSummaries.ReadChunksAsync(dataSource, seriesId, [.. crossing], cancellationToken);
            if (read is null)
            {
                Forget(seriesId);
                return null;
            }

            var (version, data) = read.Value;
            if (version == entry.Version && crossing.All(data.ContainsKey))
            {
                return Build(entry.Blocks, lo, hi, data, fromStep, toStep);
            }

            // The series changed since the entry was read: read its layout again.
            Forget(seriesId);
        }

        return null;
    }

    /// <summary>Rows lo..hi (inclusive) are the ones overlapping [fromStep, toStep]; lo > hi when none does.</summary>
    private static (int Lo, int Hi) Overlapping(ScalarBucket[] rows, long fromStep, long toStep)
    {
        if (fromStep > toStep)
        {
            return (0, -1);
        }

        // Rows never overlap, so both their first and their last steps rise.
        var lo = LowerBound(rows, r => r.Last.Step >= fromStep);
        var hi = LowerBound(rows, r => r.First.Step > toStep) - 1;
        return (lo, hi);
    }

    /// <summary>The first index whose row satisfies <paramref name="predicate"/> (monotonic over the rows), or rows.Length.</summary>
    private static int LowerBound(ScalarBucket[] rows, Func<ScalarBucket, bool> predicate)
    {
        int low = 0, high = rows.Length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (predicate(rows[mid]))
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }

        return low;
    }

    /// <summary>As ScalarChunkReads.ReadRangeAsync lays a range out: rows wholly inside as blocks, crossing rows decoded and clipped into Head (before the first block, or every point when there is no block) and Tail.</summary>
    private static CachedRange Build(ScalarBucket[] rows, int lo, int hi, Dictionary<long, byte[]> data, long fromStep, long toStep)
    {
        var range = new CachedRange();
        if (lo > hi)
        {
            return range;
        }

        var start = lo;
        var end = hi + 1;
        var crossLo = rows[lo].First.Step < fromStep;
        var crossHi = rows[hi].Last.Step > toStep;
        if (crossLo)
        {
            start++;
        }

        if (crossHi && hi >= start)
        {
            end--;
        }

        var blocks = new ArraySegment<ScalarBucket>(rows, start, Math.Max(0, end - start));
        range.Blocks = blocks;
        if (crossLo)
        {
            ScalarChunkSummaries.Decode(data[rows[lo].First.Step], range.Head, fromStep, toStep);
        }

        if (crossHi && hi >= start)
        {
            ScalarChunkSummaries.Decode(data[rows[hi].First.Step], blocks.Count == 0 ? range.Head : range.Tail, fromStep, toStep);
        }

        range.PointCount = range.Head.Count + range.Tail.Count;
        foreach (var block in blocks)
        {
            range.PointCount += block.Count;
        }

        return range;
    }

    private Entry? Find(long seriesId)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(seriesId, out var node))
            {
                return null;
            }

            _recent.Remove(node);
            _recent.AddFirst(node);
            return node.Value;
        }
    }

    /// <summary>Reads the series' layout and caches it when it fits; the entry is returned either way (null: no such series).</summary>
    private async Task<Entry?> LoadAsync(NpgsqlDataSource dataSource, long seriesId, int maxBlocks, CancellationToken cancellationToken)
    {
        var layout = await ScalarChunkSummaries.ReadLayoutAsync(dataSource, seriesId, cancellationToken);
        if (layout is null)
        {
            return null;
        }

        var blocks = new ScalarBucket[layout.Chunks.Length];
        for (var i = 0; i < blocks.Length; i++)
        {
            blocks[i] = ScalarBucket.From(layout.Chunks[i]);
        }

        var entry = new Entry(seriesId, layout.ChunkVersion, blocks);
        if (blocks.Length > maxBlocks)
        {
            return entry;
        }

        lock (_lock)
        {
            if (_entries.TryGetValue(seriesId, out var old))
            {
                if (old.Value.Version > entry.Version)
                {
                    // A concurrent read already cached a newer layout.
                    return entry;
                }

                Remove(old);
            }

            while (_blocks + blocks.Length > maxBlocks && _recent.Last is { } oldest)
            {
                Remove(oldest);
            }

            _entries[seriesId] = _recent.AddFirst(entry);
            _blocks += blocks.Length;
        }

        return entry;
    }

    private void Forget(long seriesId)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(seriesId, out var node))
            {
                Remove(node);
            }
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _recent.Remove(node);
        _entries.Remove(node.Value.SeriesId);
        _blocks -= node.Value.Blocks.Length;
    }

    private sealed record Entry(long SeriesId, long Version, ScalarBucket[] Blocks);
}

/// <summary>A range served from cached summaries: decoded edge points and the blocks wholly inside (a slice of the cached entry, never written to).</summary>
internal sealed class CachedRange
{
    public List<ScalarChunkPoint> Head { get; } = [];

    public ArraySegment<ScalarBucket> Blocks { get; set; } = ArraySegment<ScalarBucket>.Empty;

    public List<ScalarChunkPoint> Tail { get; } = [];

    public long PointCount { get; set; }
}
