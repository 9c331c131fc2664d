using System.Runtime.InteropServices;
using Metrics.Storage.Chunks;
using Metrics.Storage.Writes.Internal;
using Npgsql;

namespace Metrics.Storage.Writes;

public sealed partial class PointWriter
{
    /// <summary>
    /// Writes the segment's scalar points as chunks, all of them in one COPY. A series whose new
    /// steps all lie beyond its max step (the fast path: appends) gets its points encoded as they
    /// are. A series with a step at or below its max step (the slow path) first takes the stored
    /// rows the range of its new steps up to that max step overlaps (chunks and legacy scalar_points rows, deleted and
    /// returned in one round trip for every such series), and they are written back merged with
    /// the new points (the later write of a step wins), so the series' rows never overlap.
    /// </summary>
    private static async Task WriteScalarsAsync(NpgsqlConnection connection, CommitState state, List<WriteBatch> segment, bool forceSlowPath, CancellationToken cancellationToken)
    {
        var total = 0;
        foreach (var batch in segment)
        {
            foreach (var series in batch.Scalars)
            {
                total += series.Count;
            }
        }

        if (total == 0)
        {
            return;
        }

        // Columnar input straight into one array of structs, a series' points together (in arrival
        // order): the hot path allocates nothing per point and sorts only what arrives out of order.
        // Not pooled: with 100 writers the pool kept megabytes of rows resident (RSS, #17).
        var blocks = new List<(long SeriesId, int Order, ScalarPoints Points)>();
        foreach (var batch in segment)
        {
            foreach (var series in batch.Scalars)
            {
                blocks.Add((state.Series[new SeriesKey(batch.RunId, series.Tag)].SeriesId, blocks.Count, series));
            }
        }

        blocks.Sort(static (a, b) => a.SeriesId != b.SeriesId ? a.SeriesId.CompareTo(b.SeriesId) : a.Order.CompareTo(b.Order));
        var rows = new ScalarRow[total];
        var n = 0;
        foreach (var (id, _, series) in blocks)
        {
            for (var k = 0; k < series.Steps.Length; k++)
            {
                rows[n] = new ScalarRow(id, series.Steps[k], n, series.WallTimes[k], series.Values[k]);
                n++;
            }
        }

        await EncodeScalarsAsync(connection, state, rows, SortScalars(state, rows), forceSlowPath, cancellationToken);
    }

    /// <summary>
    /// Sorts <paramref name="rows"/> (grouped by series, each series' rows in arrival order) by
    /// (series, step), keeps the last write of each step at the front and returns how many that is;
    /// marks the runs whose visible points change. A series whose steps already rise (appends) is left as it is.
    /// </summary>
    private static int SortScalars(CommitState state, Span<ScalarRow> rows)
    {
        var count = 0;
        for (var start = 0; start < rows.Length;)
        {
            var seriesId = rows[start].SeriesId;
            var end = start + 1;
            var rising = true;
            while (end < rows.Length && rows[end].SeriesId == seriesId)
            {
                rising &= rows[end].Step > rows[end - 1].Step;
                end++;
            }

            var series = rows[start..end];
            if (!rising)
            {
                series.Sort(default(RowKeyComparer<ScalarRow>));
            }

            // The smallest step tells whether any of the series' steps is at or below its max step.
            MayExist(state, seriesId, series[0].Step);
            for (var i = 0; i < series.Length; i++)
            {
                if (i + 1 < series.Length && series[i + 1].Step == series[i].Step)
                {
                    continue;
                }

                rows[count++] = series[i];
            }

            start = end;
        }

        return count;
    }

    /// <summary>Encodes the first <paramref name="count"/> of <paramref name="rows"/> (sorted, deduplicated) into chunks and COPYs them.</summary>
    private static async Task EncodeScalarsAsync(NpgsqlConnection connection, CommitState state, ScalarRow[] rows, int count, bool forceSlowPath, CancellationToken cancellationToken)
    {
        var encoder = new ScalarChunkEncoder();
        var chunks = new List<(long SeriesId, ScalarChunk Chunk)>();
        var slow = new List<(int Start, int Split, int End)>();
        for (var start = 0; start < count;)
        {
            var seriesId = rows[start].SeriesId;
            var end = start + 1;
            while (end < count && rows[end].SeriesId == seriesId)
            {
                end++;
            }

            var series = state.SeriesById[seriesId];
            if (forceSlowPath || (series.MaxStep is { } max && rows[start].Step <= max))
            {
                // Steps beyond the max step are appends even here: they need no stored row, and
                // keeping them out of the taken range keeps a rewrite of step 0 from taking the whole series.
                var split = end;
                while (!forceSlowPath && split > start && rows[split - 1].Step > series.MaxStep!.Value)
                {
                    split--;
                }

                slow.Add((start, split, end));
            }
            else
            {
                Encode(seriesId, rows.AsSpan(start, end - start), [], encoder, chunks);
                Track(series, rows[start].Step, rows[end - 1].Step, end - start);
            }

            start = end;
        }

        if (slow.Count > 0)
        {
            state.UsedSlowPath = true;
            var stored = await TakeStoredAsync(connection, rows, slow, cancellationToken);
            foreach (var (start, split, end) in slow)
            {
                var seriesId = rows[start].SeriesId;
                var older = stored.TryGetValue(seriesId, out var points) ? points : [];
                // Separate chunks for the appends: rows the taken range left alone may lie between the two.
                var written = Encode(seriesId, rows.AsSpan(start, split - start), CollectionsMarshal.AsSpan(older), encoder, chunks)
                    + Encode(seriesId, rows.AsSpan(split, end - split), [], encoder, chunks);
                Track(state.SeriesById[seriesId], rows[start].Step, rows[end - 1].Step, written - older.Count);
            }
        }

        await ScalarChunkCopy.WriteAsync(connection, chunks, cancellationToken);
    }

    /// <summary>
    /// Encodes <paramref name="older"/> (stored points in step order) overlaid by
    /// <paramref name="newer"/> (in step order, each step once; a step in both keeps the newer)
    /// into chunks of <see cref="ScalarChunkCopy.TargetPoints"/>; returns how many points they hold.
    /// </summary>
    private static int Encode(long seriesId, ReadOnlySpan<ScalarRow> newer, ReadOnlySpan<ScalarChunkPoint> older, ScalarChunkEncoder encoder, List<(long SeriesId, ScalarChunk Chunk)> chunks)
    {
        var written = 0;
        var i = 0;
        var j = 0;
        while (i < newer.Length || j < older.Length)
        {
            if (j == older.Length || (i < newer.Length && newer[i].Step <= older[j].Step))
            {
                if (j < older.Length && older[j].Step == newer[i].Step)
                {
                    j++;
                }

                encoder.Append(newer[i].Step, newer[i].WallTime, newer[i].Value);
                i++;
            }
            else
            {
                encoder.Append(older[j]);
                j++;
            }

            written++;
            if (encoder.Count == ScalarChunkCopy.TargetPoints)
            {
                chunks.Add((seriesId, encoder.Build()));
            }
        }

        if (encoder.Count > 0)
        {
            chunks.Add((seriesId, encoder.Build()));
        }

        return written;
    }

    /// <summary>
    /// Deletes, and returns by series in step order, the stored points of the rows that overlap
    /// each slow series' range of new steps at or below its max step: chunks (the one that holds the range's first step found
    /// by the primary key, not by scanning the series from its start) and legacy scalar_points rows.
    /// The series rows are locked by this commit, so nobody else changes these rows meanwhile.
    /// </summary>
    private static async Task<Dictionary<long, List<ScalarChunkPoint>>> TakeStoredAsync(NpgsqlConnection connection, ScalarRow[] rows, List<(int Start, int Split, int End)> slow, CancellationToken cancellationToken)
    {
        var ids = new long[slow.Count];
        var lows = new long[slow.Count];
        var highs = new long[slow.Count];
        for (var k = 0; k < slow.Count; k++)
        {
            (ids[k], lows[k], highs[k]) = (rows[slow[k].Start].SeriesId, rows[slow[k].Start].Step, rows[slow[k].Split - 1].Step);
        }

        await using var batch = new NpgsqlBatch(connection);
        var chunks = new NpgsqlBatchCommand(
            """
            DELETE FROM scalar_chunks c
            USING (
                SELECT k.series_id, k.lo, k.hi,
                       COALESCE((SELECT max(x.first_step) FROM scalar_chunks x WHERE x.series_id = k.series_id AND x.first_step <= k.lo), k.lo) AS start
                FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS k(series_id, lo, hi)
            ) k
            WHERE c.series_id = k.series_id AND c.first_step BETWEEN k.start AND k.hi AND c.last_step >= k.lo
            RETURNING c.series_id, c.data
            """);
        var legacy = new NpgsqlBatchCommand(
            """
            DELETE FROM scalar_points p
            USING unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS k(series_id, lo, hi)
            WHERE p.series_id = k.series_id AND p.step BETWEEN k.lo AND k.hi
            RETURNING p.series_id, p.step, p.wall_time, p.value
            """);
        foreach (var command in new[] { chunks, legacy })
        {
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = ids });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = lows });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = highs });
            batch.BatchCommands.Add(command);
        }

        var stored = new Dictionary<long, List<ScalarChunkPoint>>();
        List<ScalarChunkPoint> For(long seriesId) =>
            stored.TryGetValue(seriesId, out var list) ? list : stored[seriesId] = [];

        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var points = For(reader.GetInt64(0));
                foreach (var point in new ScalarChunkDecoder(reader.GetFieldValue<byte[]>(1)))
                {
                    points.Add(point);
                }
            }

            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                For(reader.GetInt64(0)).Add(new ScalarChunkPoint(reader.GetInt64(1), reader.GetDouble(2), reader.GetDouble(3)));
            }
        }

        // Rows come back in no particular order; they never overlap, so sorting the points by step restores the series.
        foreach (var points in stored.Values)
        {
            points.Sort(static (a, b) => a.Step.CompareTo(b.Step));
        }

        return stored;
    }

    private static void Track(SeriesState series, long firstStep, long lastStep, long added)
    {
        series.MinStep = series.MinStep is { } min ? Math.Min(min, firstStep) : firstStep;
        series.MaxStep = series.MaxStep is { } max ? Math.Max(max, lastStep) : lastStep;
        series.PointCount += added;
        series.Dirty = true;
    }
}
