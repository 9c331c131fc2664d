namespace Metrics.Query.Scalars;

/// <summary>
/// An immutable summary of a long scalar series: consecutive blocks of <see cref="BlockSize"/>
/// points, each a <see cref="ScalarBucket"/>. Points after <see cref="CoveredThroughStep"/> (the
/// tail still being written) are not summarised and are read from the database on each query.
/// Valid while the run's rewrite_version is <see cref="RewriteVersion"/>: below that version
/// points only ever arrive after the last step, so the blocks never go stale.
/// </summary>
internal sealed class SeriesSummary(long seriesId, long rewriteVersion, ScalarBucket[] blocks)
{
    public const int BlockSize = 256;

    public long SeriesId { get; } = seriesId;

    public long RewriteVersion { get; } = rewriteVersion;

    public ScalarBucket[] Blocks { get; } = blocks;

    public long CoveredThroughStep => Blocks.Length == 0 ? long.MinValue : Blocks[^1].Last.Step;

    /// <summary>Index of the first block starting at or after <paramref name="step"/> (Blocks.Length when none).</summary>
    public int FirstBlockFrom(long step)
    {
        int lo = 0, hi = Blocks.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (Blocks[mid].First.Step >= step)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    /// <summary>Index of the last block ending at or before <paramref name="step"/> (-1 when none).</summary>
    public int LastBlockThrough(long step)
    {
        int lo = 0, hi = Blocks.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (Blocks[mid].Last.Step <= step)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo - 1;
    }

    /// <summary>This summary with blocks made of <paramref name="tail"/>, the points right after <see cref="CoveredThroughStep"/>, in step order; a last partial block stays out.</summary>
    public SeriesSummary Extend(IReadOnlyList<ScalarPoint> tail)
    {
        var full = tail.Count / BlockSize;
        if (full == 0)
        {
            return this;
        }

        var blocks = new ScalarBucket[Blocks.Length + full];
        Blocks.CopyTo(blocks, 0);
        for (var b = 0; b < full; b++)
        {
            ref var block = ref blocks[Blocks.Length + b];
            for (var i = b * BlockSize; i < (b + 1) * BlockSize; i++)
            {
                block.Add(tail[i]);
            }
        }

        return new SeriesSummary(SeriesId, RewriteVersion, blocks);
    }
}
