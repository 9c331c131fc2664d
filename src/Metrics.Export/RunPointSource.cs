using Metrics.Storage.Chunks;
using Npgsql;

namespace Metrics.Export;

/// <summary>Reads what the exporter writes: runs, their series, and points merged across series by step.</summary>
public sealed class RunPointSource(NpgsqlDataSource dataSource)
{
    /// <summary>Points read per series and round trip (scalars; tensors and blobs take fewer).</summary>
    public int ScalarPageSize { get; init; } = 20_000;

    public async Task<RunInfo?> GetRunAsync(long runId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT r.run_id, p.name, r.name, r.data_version, r.rewrite_version
            FROM runs r JOIN projects p USING (project_id)
            WHERE r.run_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new RunInfo(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4))
            : null;
    }

    /// <summary>The runs of <paramref name="project"/>, by name.</summary>
    public async Task<IReadOnlyList<RunInfo>> GetProjectRunsAsync(string project, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT r.run_id, p.name, r.name, r.data_version, r.rewrite_version
            FROM runs r JOIN projects p USING (project_id)
            WHERE p.name = $1
            ORDER BY r.name
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = project });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<RunInfo>();
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(new RunInfo(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4)));
        }

        return runs;
    }

    public async Task<IReadOnlyList<ExportSeries>> GetSeriesAsync(long runId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT series_id, tag, data_class, plugin_name, plugin_content, display_name, description
            FROM series WHERE run_id = $1
            ORDER BY series_id
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var series = new List<ExportSeries>();
        while (await reader.ReadAsync(cancellationToken))
        {
            series.Add(new ExportSeries(
                reader.GetInt64(0), reader.GetString(1), reader.GetInt16(2), reader.GetString(3),
                reader.GetFieldValue<byte[]>(4), reader.GetString(5), reader.GetString(6)));
        }

        return series;
    }

    /// <summary>
    /// The run's <c>runs.hparams</c> as an hparams session start to write with the run, or null when
    /// it has none or writes its own (a <see cref="HParamsSessionStart.Tag"/> series, as the SDK's
    /// AddHParams does): TensorBoard keeps the first session start of a run, so never two.
    /// </summary>
    public async Task<HParamsSessionStart?> GetSessionStartAsync(long runId, IReadOnlyList<ExportSeries> series, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Any(s => s.Tag == HParamsSessionStart.Tag))
        {
            return null;
        }

        await using var command = dataSource.CreateCommand(
            """
            SELECT hparams::text, extract(epoch FROM created_at)::float8
            FROM runs WHERE run_id = $1 AND hparams <> '{}'::jsonb
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? HParamsSessionStart.FromJson(reader.GetString(0), reader.GetDouble(1)) : null;
    }

    /// <summary>
    /// True when the run has hyperparameters in <c>runs.hparams</c> and a <see cref="HParamsSessionStart.Tag"/>
    /// series of its own with points that the current file does not hold yet (absent from
    /// <paramref name="exported"/>): the file was written before that series arrived, so it holds the
    /// session start made from <c>runs.hparams</c>, and the run must be rewritten rather than appended to.
    /// </summary>
    public async Task<bool> LateOwnSessionStartAsync(long runId, IReadOnlyDictionary<long, long> exported, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exported);
        await using var command = dataSource.CreateCommand(
            """
            SELECT s.series_id FROM series s JOIN runs r USING (run_id)
            WHERE s.run_id = $1 AND s.tag = $2 AND r.hparams <> '{}'::jsonb
              AND CASE s.data_class
                  WHEN 1 THEN EXISTS (SELECT 1 FROM all_scalar_chunks p WHERE p.series_id = s.series_id)
                  WHEN 2 THEN EXISTS (SELECT 1 FROM tensor_points p WHERE p.series_id = s.series_id)
                  ELSE EXISTS (SELECT 1 FROM blob_points p WHERE p.series_id = s.series_id)
              END
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = HParamsSessionStart.Tag });
        return await command.ExecuteScalarAsync(cancellationToken) is long seriesId && !exported.ContainsKey(seriesId);
    }

    /// <summary>
    /// The points of <paramref name="series"/> after the given steps (a series absent from
    /// <paramref name="after"/> from its first point), in step order across series, series id
    /// order within a step: what a training job interleaving its tags would have written.
    /// </summary>
    public async Task<RunPointMerger> OpenAsync(IReadOnlyList<ExportSeries> series, IReadOnlyDictionary<long, long> after, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(after);
        var cursors = series.Select(s => new SeriesCursor(s, after.TryGetValue(s.SeriesId, out var step) ? step : long.MinValue)).ToList();
        var withData = await SeriesWithNewPointsAsync(cursors, cancellationToken);
        var merger = new RunPointMerger(this, cursors);
        foreach (var cursor in cursors.Where(c => withData.Contains(c.Series.SeriesId)))
        {
            await FillAsync(cursor, cancellationToken);
            merger.Enqueue(cursor);
        }

        return merger;
    }

    // One round trip to skip the series with nothing new (most of them, in a live run).
    private async Task<HashSet<long>> SeriesWithNewPointsAsync(List<SeriesCursor> cursors, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT s.id FROM unnest($1::bigint[], $2::bigint[], $3::smallint[]) AS s(id, after, cls)
            WHERE CASE s.cls
                -- A series' last chunk holds its last step: one backward seek, not a scan of its chunks.
                WHEN 1 THEN (SELECT p.last_step FROM all_scalar_chunks p WHERE p.series_id = s.id ORDER BY p.first_step DESC LIMIT 1) > s.after
                WHEN 2 THEN EXISTS (SELECT 1 FROM tensor_points p WHERE p.series_id = s.id AND p.step > s.after)
                ELSE EXISTS (SELECT 1 FROM blob_points p WHERE p.series_id = s.id AND p.step > s.after)
            END
            """);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. cursors.Select(c => c.Series.SeriesId)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. cursors.Select(c => c.After)] });
        command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. cursors.Select(c => c.Series.DataClass)] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new HashSet<long>();
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    internal async Task FillAsync(SeriesCursor cursor, CancellationToken cancellationToken)
    {
        var series = cursor.Series;
        if (series.DataClass == 1)
        {
            await FillScalarsAsync(cursor, cancellationToken);
            return;
        }

        var (sql, limit) = series.DataClass switch
        {
            2 => ("SELECT step, wall_time, tensor FROM tensor_points WHERE series_id = $1 AND step > $2 ORDER BY step LIMIT $3", 1_000),
            _ => (
                """
                SELECT p.step, p.wall_time,
                       ARRAY(SELECT b.content FROM unnest(p.blob_keys) WITH ORDINALITY AS k(key, i)
                             JOIN blobs b ON b.sha256 = k.key ORDER BY k.i)
                FROM blob_points p WHERE p.series_id = $1 AND p.step > $2 ORDER BY p.step LIMIT $3
                """, 64),
        };
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = series.SeriesId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = cursor.ReadUpTo });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        cursor.Buffer.Clear();
        cursor.Position = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            var step = reader.GetInt64(0);
            var wallTime = reader.GetDouble(1);
            cursor.Buffer.Add(series.DataClass == 2
                ? new ExportPoint(series, step, wallTime, 0, reader.GetFieldValue<byte[]>(2), null)
                : new ExportPoint(series, step, wallTime, 0, null, reader.GetFieldValue<byte[][]>(2)));
        }

        cursor.Exhausted = cursor.Buffer.Count < limit;
        if (cursor.Buffer.Count > 0)
        {
            cursor.ReadUpTo = cursor.Buffer[^1].Step;
        }
    }

    private async Task FillScalarsAsync(SeriesCursor cursor, CancellationToken cancellationToken)
    {
        var points = cursor.ReadUpTo == long.MaxValue
            ? []
            : await ScalarChunkReads.ReadPointsAsync(dataSource, cursor.Series.SeriesId, cursor.ReadUpTo + 1, long.MaxValue, cancellationToken, ScalarPageSize);
        cursor.Buffer.Clear();
        cursor.Position = 0;
        foreach (var point in points)
        {
            cursor.Buffer.Add(new ExportPoint(cursor.Series, point.Step, point.WallTime, point.Value, null, null));
        }

        cursor.Exhausted = points.Count < ScalarPageSize;
        if (points.Count > 0)
        {
            cursor.ReadUpTo = points[^1].Step;
        }
    }
}
