using System.Buffers;

namespace Metrics.Storage.Chunks;

/// <summary>
/// Rewrites a chunk under the scalar semantics of DESIGN.md: a later write of a step replaces the
/// earlier one, and a restart at step S hides the points at or after S written before it. These
/// are what the write path (new points over a stored chunk), restarts and compaction (a newer
/// chunk over an older one) need. A result with no point left is null.
/// </summary>
internal static class ScalarChunkMerger
{
    /// <summary>
    /// <paramref name="existing"/> (a chunk, or empty for none) with <paramref name="newer"/> written
    /// over it. <paramref name="newer"/> may come in any order and repeat a step: the later one in
    /// the span wins. <paramref name="restartAt"/> first drops the existing points at or after it;
    /// the newer points all stay (they were written after the restart).
    /// </summary>
    public static ScalarChunk? Merge(ReadOnlySpan<byte> existing, ReadOnlySpan<ScalarChunkPoint> newer, long? restartAt = null, ScalarChunkEncoder? encoder = null)
    {
        encoder ??= new ScalarChunkEncoder();
        encoder.Reset();
        if (IsStrictlyRising(newer))
        {
            MergeSorted(existing, newer, restartAt, encoder);
        }
        else
        {
            var sorted = ArrayPool<ScalarChunkPoint>.Shared.Rent(newer.Length);
            try
            {
                var count = SortLastWins(newer, sorted);
                MergeSorted(existing, sorted.AsSpan(0, count), restartAt, encoder);
            }
            finally
            {
                ArrayPool<ScalarChunkPoint>.Shared.Return(sorted);
            }
        }

        return encoder.Count == 0 ? null : encoder.Build();
    }

    /// <summary>The points of <paramref name="newer"/> over those of <paramref name="older"/> (compaction of two chunks of one series).</summary>
    public static ScalarChunk MergeChunks(ReadOnlySpan<byte> older, ReadOnlySpan<byte> newer, ScalarChunkEncoder? encoder = null)
    {
        encoder ??= new ScalarChunkEncoder();
        encoder.Reset();
        var a = new ScalarChunkDecoder(older);
        var b = new ScalarChunkDecoder(newer);
        var hasA = a.MoveNext();
        var hasB = b.MoveNext();
        while (hasA || hasB)
        {
            if (hasB && (!hasA || b.Current.Step <= a.Current.Step))
            {
                if (hasA && a.Current.Step == b.Current.Step)
                {
                    hasA = a.MoveNext();
                }

                encoder.Append(b.Current);
                hasB = b.MoveNext();
            }
            else
            {
                encoder.Append(a.Current);
                hasA = a.MoveNext();
            }
        }

        return encoder.Build();
    }

    /// <summary>The chunk without its points at or after <paramref name="restartAt"/>; null when none is left.</summary>
    public static ScalarChunk? Truncate(ReadOnlySpan<byte> existing, long restartAt, ScalarChunkEncoder? encoder = null) =>
        Merge(existing, [], restartAt, encoder);

    private static void MergeSorted(ReadOnlySpan<byte> existing, ReadOnlySpan<ScalarChunkPoint> newer, long? restartAt, ScalarChunkEncoder encoder)
    {
        var end = restartAt ?? long.MaxValue;
        var i = 0;
        if (!existing.IsEmpty)
        {
            foreach (var point in new ScalarChunkDecoder(existing))
            {
                // Past a restart nothing older survives; points are in step order, so stop reading.
                if (restartAt is not null && point.Step >= end)
                {
                    break;
                }

                while (i < newer.Length && newer[i].Step < point.Step)
                {
                    encoder.Append(newer[i++]);
                }

                if (i < newer.Length && newer[i].Step == point.Step)
                {
                    encoder.Append(newer[i++]);
                }
                else
                {
                    encoder.Append(point);
                }
            }
        }

        while (i < newer.Length)
        {
            encoder.Append(newer[i++]);
        }
    }

    private static bool IsStrictlyRising(ReadOnlySpan<ScalarChunkPoint> points)
    {
        for (var i = 1; i < points.Length; i++)
        {
            if (points[i].Step <= points[i - 1].Step)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Sorts <paramref name="points"/> by step into <paramref name="destination"/>, keeping only the last write of each step; returns how many.</summary>
    private static int SortLastWins(ReadOnlySpan<ScalarChunkPoint> points, ScalarChunkPoint[] destination)
    {
        var steps = ArrayPool<long>.Shared.Rent(points.Length);
        var order = ArrayPool<int>.Shared.Rent(points.Length);
        try
        {
            for (var i = 0; i < points.Length; i++)
            {
                (steps[i], order[i]) = (points[i].Step, i);
            }

            // The sort need not be stable: within a run of equal steps the highest original index wins.
            Array.Sort(steps, order, 0, points.Length);
            var count = 0;
            for (var i = 0; i < points.Length;)
            {
                var latest = order[i];
                var j = i + 1;
                for (; j < points.Length && steps[j] == steps[i]; j++)
                {
                    latest = Math.Max(latest, order[j]);
                }

                destination[count++] = points[latest];
                i = j;
            }

            return count;
        }
        finally
        {
            ArrayPool<long>.Shared.Return(steps);
            ArrayPool<int>.Shared.Return(order);
        }
    }
}
