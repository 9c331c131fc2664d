using Metrics.Storage.Writes.Internal;
using Npgsql;
using NpgsqlTypes;

namespace Metrics.Storage.Writes;

public sealed partial class PointWriter
{
    private static readonly PointTable TensorTable = new(
        "tensor_points",
        "tensor_stage",
        "series_id, step, wall_time, dtype, shape, tensor",
        """
        CREATE TEMP TABLE IF NOT EXISTS tensor_stage (series_id bigint, step bigint, wall_time float8, dtype int2, shape int8[], tensor bytea) ON COMMIT DELETE ROWS;
        TRUNCATE tensor_stage
        """,
        """
        WITH up AS (
            INSERT INTO tensor_points AS p (series_id, step, wall_time, dtype, shape, tensor)
            SELECT series_id, step, wall_time, dtype, shape, tensor FROM tensor_stage ORDER BY series_id, step
            ON CONFLICT (series_id, step) DO UPDATE
                SET wall_time = EXCLUDED.wall_time, dtype = EXCLUDED.dtype, shape = EXCLUDED.shape, tensor = EXCLUDED.tensor
            RETURNING p.series_id, (p.xmax = 0) AS inserted
        )
        SELECT series_id, count(*) FILTER (WHERE inserted) FROM up GROUP BY series_id
        """);

    private static readonly PointTable BlobTable = new(
        "blob_points",
        "blob_stage",
        "series_id, step, wall_time, blob_keys",
        """
        CREATE TEMP TABLE IF NOT EXISTS blob_stage (series_id bigint, step bigint, wall_time float8, blob_keys bytea[]) ON COMMIT DELETE ROWS;
        TRUNCATE blob_stage
        """,
        """
        WITH up AS (
            INSERT INTO blob_points AS p (series_id, step, wall_time, blob_keys)
            SELECT series_id, step, wall_time, blob_keys FROM blob_stage ORDER BY series_id, step
            ON CONFLICT (series_id, step) DO UPDATE SET wall_time = EXCLUDED.wall_time, blob_keys = EXCLUDED.blob_keys
            RETURNING p.series_id, (p.xmax = 0) AS inserted
        )
        SELECT series_id, count(*) FILTER (WHERE inserted) FROM up GROUP BY series_id
        """);

    /// <summary>
    /// Writes the live batches' points. A batch that restarts its run starts a new segment: the
    /// restart is applied after the points before it and before its own.
    /// </summary>
    private static async Task WriteSegmentsAsync(NpgsqlConnection connection, CommitState state, bool forceSlowPath, CancellationToken cancellationToken)
    {
        var live = state.LiveIndexes().ToList();
        var start = 0;
        while (start < live.Count)
        {
            var end = start + 1;
            while (end < live.Count && state.Batches[live[end]].RestartAtStep is null)
            {
                end++;
            }

            var head = state.Batches[live[start]];
            if (head.RestartAtStep is { } restart)
            {
                await RunRestarts.ApplyAsync(connection, head.RunId, restart, bumpRun: false, cancellationToken);
                state.RewrittenRuns.Add(head.RunId);
                await ReloadSeriesRangesAsync(connection, state, head.RunId, cancellationToken);
            }

            var segment = live.GetRange(start, end - start).Select(i => state.Batches[i]).ToList();
            await WriteScalarsAsync(connection, state, segment, forceSlowPath, cancellationToken);
            await WritePointsAsync(connection, state, segment.SelectMany(b => b.Tensors.Select(t => (b.RunId, t.Tag, t.Step, t))), TensorTable, CopyTensorsAsync, forceSlowPath, cancellationToken);
            await WritePointsAsync(connection, state, segment.SelectMany(b => b.Blobs.Select(p => (b.RunId, p.Tag, p.Step, p))), BlobTable, CopyBlobPointsAsync, forceSlowPath, cancellationToken);
            if (end < live.Count)
            {
                // The next segment's restart reads the series back; the last segment's update goes in FinishAsync's round trip.
                await FlushSeriesAsync(connection, state, cancellationToken);
            }

            start = end;
        }
    }

    private static async Task CopyTensorsAsync(NpgsqlBinaryImporter importer, PointRow<TensorPointData>[] rows, int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            var row = rows[i];
            await importer.StartRowAsync(cancellationToken);
            await importer.WriteAsync(row.SeriesId, NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(row.Step, NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(row.Point.WallTime, NpgsqlDbType.Double, cancellationToken);
            await importer.WriteAsync(row.Point.Dtype, NpgsqlDbType.Smallint, cancellationToken);
            await importer.WriteAsync(row.Point.Shape, NpgsqlDbType.Array | NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(row.Point.Tensor, NpgsqlDbType.Bytea, cancellationToken);
        }
    }

    private static async Task CopyBlobPointsAsync(NpgsqlBinaryImporter importer, PointRow<BlobPointData>[] rows, int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            var row = rows[i];
            await importer.StartRowAsync(cancellationToken);
            await importer.WriteAsync(row.SeriesId, NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(row.Step, NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(row.Point.WallTime, NpgsqlDbType.Double, cancellationToken);
            await importer.WriteAsync(row.Point.Blobs.Select(b => b.Sha256).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bytea, cancellationToken);
        }
    }

    /// <summary>Tensor or blob points (rarer and bigger than scalars): rows in arrival order, deduplicated and written.</summary>
    private static Task WritePointsAsync<T>(
        NpgsqlConnection connection,
        CommitState state,
        IEnumerable<(long RunId, string Tag, long Step, T Point)> points,
        PointTable table,
        Func<NpgsqlBinaryImporter, PointRow<T>[], int, CancellationToken, Task> copyRows,
        bool forceSlowPath,
        CancellationToken cancellationToken)
    {
        var list = new List<PointRow<T>>();
        foreach (var (runId, tag, step, point) in points)
        {
            list.Add(new PointRow<T>(state.Series[new SeriesKey(runId, tag)].SeriesId, step, list.Count, point));
        }

        PointRow<T>[] rows = [.. list];
        var count = Dedupe(state, rows, forceSlowPath, out var mayExist);
        return WriteRowsAsync(connection, state, table, rows, count, mayExist, copyRows, cancellationToken);
    }

    /// <summary>
    /// Sorts <paramref name="rows"/> by (series, step, arrival) and moves the last write of each key
    /// to the front; returns how many that is. <paramref name="mayExist"/>: some kept step may be stored already.
    /// </summary>
    private static int Dedupe<TRow>(CommitState state, TRow[] rows, bool forceSlowPath, out bool mayExist)
        where TRow : IPointRow
    {
        Array.Sort(rows, default(RowKeyComparer<TRow>));
        var count = 0;
        mayExist = forceSlowPath;
        for (var i = 0; i < rows.Length; i++)
        {
            if (i + 1 < rows.Length && rows[i + 1].SeriesId == rows[i].SeriesId && rows[i + 1].Step == rows[i].Step)
            {
                continue;
            }

            mayExist |= MayExist(state, rows[i].SeriesId, rows[i].Step);
            rows[count++] = rows[i];
        }

        return count;
    }

    /// <summary>
    /// Writes the first <paramref name="count"/> rows into <paramref name="table"/>: binary COPY
    /// straight into it when none of the steps can exist yet (the fast path), else COPY into its
    /// staging table and upsert from there (a later write of a step replaces the earlier). Then
    /// updates the series' counts and step ranges in memory.
    /// </summary>
    private static async Task WriteRowsAsync<TRow>(
        NpgsqlConnection connection,
        CommitState state,
        PointTable table,
        TRow[] rows,
        int count,
        bool mayExist,
        Func<NpgsqlBinaryImporter, TRow[], int, CancellationToken, Task> copyRows,
        CancellationToken cancellationToken)
        where TRow : IPointRow
    {
        if (count == 0)
        {
            return;
        }

        if (mayExist)
        {
            state.UsedSlowPath = true;
            await ExecuteAsync(connection, table.CreateStage, cancellationToken);
        }

        await using (var importer = await connection.BeginBinaryImportAsync(
            $"COPY {(mayExist ? table.Stage : table.Name)} ({table.Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            await copyRows(importer, rows, count, cancellationToken);
            await importer.CompleteAsync(cancellationToken);
        }

        var inserted = mayExist ? await UpsertAsync(connection, table.Upsert, cancellationToken) : null;
        for (var i = 0; i < count; i++)
        {
            Track(state, rows[i].SeriesId, rows[i].Step, countIt: inserted is null);
        }

        AddInserted(state, inserted);
    }

    /// <summary>
    /// A step at or below the series' max step changes what was visible (the run is rewritten);
    /// one inside [min, max] may also exist already, so it needs the upsert path.
    /// </summary>
    private static bool MayExist(CommitState state, long seriesId, long step)
    {
        var series = state.SeriesById[seriesId];
        if (series.MaxStep is { } max && step <= max)
        {
            state.RewrittenRuns.Add(series.RunId);
            return series.MinStep is { } min && step >= min;
        }

        return false;
    }

    private static void Track(CommitState state, long seriesId, long step, bool countIt)
    {
        var series = state.SeriesById[seriesId];
        series.MinStep = series.MinStep is { } min ? Math.Min(min, step) : step;
        series.MaxStep = series.MaxStep is { } max ? Math.Max(max, step) : step;
        series.Dirty = true;
        if (countIt)
        {
            series.PointCount++;
        }
    }

    private static void AddInserted(CommitState state, Dictionary<long, long>? inserted)
    {
        foreach (var (seriesId, count) in inserted ?? [])
        {
            state.SeriesById[seriesId].PointCount += count;
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<Dictionary<long, long>> UpsertAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        var inserted = new Dictionary<long, long>();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            inserted[reader.GetInt64(0)] = reader.GetInt64(1);
        }

        return inserted;
    }

    /// <summary>Writes the counts and step ranges of the series this segment changed (their rows are locked).</summary>
    private static async Task FlushSeriesAsync(NpgsqlConnection connection, CommitState state, CancellationToken cancellationToken)
    {
        if (SeriesUpdate(state) is not { } update)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { update } };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The UPDATE of the counts and step ranges of the series changed since the last one (null when
    /// none changed); they count as written from here, as the transaction fails if the update does.
    /// </summary>
    private static NpgsqlBatchCommand? SeriesUpdate(CommitState state)
    {
        var dirty = state.SeriesById.Values.Where(s => s.Dirty).OrderBy(s => s.SeriesId).ToList();
        if (dirty.Count == 0)
        {
            return null;
        }

        var command = new NpgsqlBatchCommand(
            """
            UPDATE series s SET point_count = v.point_count, min_step = v.min_step, max_step = v.max_step, chunk_version = s.chunk_version + 1
            FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS v(series_id, point_count, min_step, max_step)
            WHERE s.series_id = v.series_id
            """);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. dirty.Select(s => s.SeriesId)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. dirty.Select(s => s.PointCount)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. dirty.Select(s => s.MinStep!.Value)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. dirty.Select(s => s.MaxStep!.Value)] });
        foreach (var series in dirty)
        {
            series.Dirty = false;
        }

        return command;
    }
}
