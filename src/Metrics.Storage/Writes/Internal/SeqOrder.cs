namespace Metrics.Storage.Writes.Internal;

/// <summary>
/// One commit's batches with each writer's in seq order. A commit groups batches from every stream
/// as they arrive; two streams of one writer (a reconnect while the old stream's batch was still
/// queued for a retry) can put seq 28 before seq 27. Committed in that order, 28 would be refused
/// as a gap and take 27 down with it; in seq order both commit, and a step written by both ends
/// with 28's value, as the writer meant. Other writers' batches keep their places.
/// </summary>
internal static class SeqOrder
{
    /// <summary>
    /// Null when every writer's batches are already in seq order (the usual case); else the batches
    /// rearranged, and for each position the index in <paramref name="batches"/> it came from.
    /// </summary>
    public static (WriteBatch[] Batches, int[] From)? Arrange(IReadOnlyList<WriteBatch> batches)
    {
        if (batches.Count < 2 || InOrder(batches))
        {
            return null;
        }

        var from = new int[batches.Count];
        foreach (var positions in Enumerable.Range(0, batches.Count).GroupBy(i => new WriterKey(batches[i].RunId, batches[i].WriterId)))
        {
            // The writer's positions, ascending, take its batches in seq order (stable: equal seqs keep their order).
            var slots = positions.ToArray();
            var bySeq = slots.OrderBy(i => batches[i].Seq).ToArray();
            for (var k = 0; k < slots.Length; k++)
            {
                from[slots[k]] = bySeq[k];
            }
        }

        return ([.. from.Select(i => batches[i])], from);
    }

    /// <summary>The results of a commit of the arranged batches, back in the caller's order.</summary>
    public static BatchResult[] InCallerOrder(IReadOnlyList<BatchResult> arranged, int[] from)
    {
        var results = new BatchResult[arranged.Count];
        for (var k = 0; k < from.Length; k++)
        {
            results[from[k]] = arranged[k];
        }

        return results;
    }

    private static bool InOrder(IReadOnlyList<WriteBatch> batches)
    {
        var last = new Dictionary<WriterKey, long>();
        foreach (var batch in batches)
        {
            var key = new WriterKey(batch.RunId, batch.WriterId);
            if (last.TryGetValue(key, out var previous) && batch.Seq < previous)
            {
                return false;
            }

            last[key] = batch.Seq;
        }

        return true;
    }
}
