using System.Security.Cryptography;
using Google.Protobuf;
using Metrics.Storage.Chunks;
using Metrics.TensorBoard;
using Npgsql;

namespace Metrics.Export.Tests.Support;

/// <summary>
/// Writes data the way ingest commits it, in SQL: points upserted per (series, step) (scalars by
/// rewriting the chunks the new steps fall in), a restart
/// deleting the run's points at step ≥ S, runs.data_version bumped by every commit and
/// rewrite_version when visible points changed (late, replaced, restart), NOTIFY in the commit.
/// </summary>
internal sealed class TestIngest(NpgsqlDataSource dataSource)
{
    public async Task<long> RunAsync(string project, string name)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH p AS (
                INSERT INTO projects (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING project_id
            )
            INSERT INTO runs (project_id, name) SELECT project_id, $2 FROM p
            ON CONFLICT (project_id, name) DO UPDATE SET name = EXCLUDED.name
            RETURNING run_id
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = project });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async Task<long> SeriesAsync(long runId, string tag, short dataClass = 1, string plugin = PluginNames.Scalars, byte[]? content = null, string displayName = "", string description = "")
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO series (run_id, tag, data_class, plugin_name, plugin_content, display_name, description)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (run_id, tag) DO UPDATE SET tag = EXCLUDED.tag
            RETURNING series_id
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tag });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = dataClass });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = plugin });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = content ?? [] });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = displayName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = description });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Sets runs.hparams as OpenRun does (a JSON object of strings, booleans and numbers).</summary>
    public async Task SetHParamsAsync(long runId, string json)
    {
        await using var command = dataSource.CreateCommand("UPDATE runs SET hparams = $2::jsonb WHERE run_id = $1");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = json });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Deletes a run as an operator does (there is no delete API): its series, points and export_state go with it.</summary>
    public async Task DeleteRunAsync(long runId)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM runs WHERE run_id = $1");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>One commit: an optional restart at <paramref name="restartAt"/>, then the points.</summary>
    public async Task CommitAsync(long runId, IReadOnlyList<TestPoint> points, long? restartAt = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var rewrite = false;
        var classes = new Dictionary<long, (short Class, long? Max)>();
        await using (var lockSeries = new NpgsqlCommand("SELECT series_id, data_class, max_step FROM series WHERE run_id = $1 ORDER BY series_id FOR UPDATE", connection, transaction))
        {
            lockSeries.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
            await using var reader = await lockSeries.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                classes[reader.GetInt64(0)] = (reader.GetInt16(1), reader.IsDBNull(2) ? null : reader.GetInt64(2));
            }
        }

        if (restartAt is { } s)
        {
            rewrite = true;
            await using var delete = new NpgsqlBatch(connection, transaction);
            foreach (var sql in new[]
            {
                "DELETE FROM tensor_points WHERE series_id IN (SELECT series_id FROM series WHERE run_id = $1) AND step >= $2",
                "DELETE FROM blob_points WHERE series_id IN (SELECT series_id FROM series WHERE run_id = $1) AND step >= $2",
                "UPDATE series SET max_step = NULL WHERE run_id = $1 AND max_step >= $2",
            })
            {
                var statement = new NpgsqlBatchCommand(sql);
                statement.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
                statement.Parameters.Add(new NpgsqlParameter<long> { TypedValue = s });
                delete.BatchCommands.Add(statement);
            }

            await delete.ExecuteNonQueryAsync();
            foreach (var id in classes.Where(c => c.Value.Class == 1).Select(c => c.Key))
            {
                await RewriteScalarsAsync(connection, transaction, id, s, long.MaxValue, old => [.. old.Where(p => p.Step < s)]);
            }

            foreach (var id in classes.Keys.ToList())
            {
                classes[id] = (classes[id].Class, classes[id].Max is { } m && m >= s ? null : classes[id].Max);
            }
        }

        foreach (var group in points.GroupBy(p => p.SeriesId))
        {
            var (dataClass, max) = classes[group.Key];
            var list = group.ToList();
            if (max is { } m && list.Any(p => p.Step <= m))
            {
                rewrite = true;
            }

            await InsertAsync(connection, transaction, group.Key, dataClass, list);
        }

        await using (var bump = new NpgsqlBatch(connection, transaction))
        {
            var counts = new NpgsqlBatchCommand(
                """
                UPDATE series s SET max_step = x.max_step, point_count = x.n FROM (
                    SELECT series_id, max(last_step) AS max_step, sum(n) AS n FROM (
                        SELECT series_id, last_step, point_count AS n FROM all_scalar_chunks
                        UNION ALL SELECT series_id, step, 1 FROM tensor_points
                        UNION ALL SELECT series_id, step, 1 FROM blob_points) a
                    WHERE series_id = ANY($1) GROUP BY series_id) x
                WHERE s.series_id = x.series_id
                """);
            counts.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. points.Select(p => p.SeriesId).Distinct()] });
            var versions = new NpgsqlBatchCommand(
                "UPDATE runs SET data_version = data_version + 1, rewrite_version = rewrite_version + $2, last_write_at = now() WHERE run_id = $1");
            versions.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
            versions.Parameters.Add(new NpgsqlParameter<long> { TypedValue = rewrite ? 1 : 0 });
            var notify = new NpgsqlBatchCommand("SELECT pg_notify('metrics_commits', $1::text)");
            notify.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
            bump.BatchCommands.Add(counts);
            bump.BatchCommands.Add(versions);
            bump.BatchCommands.Add(notify);
            await bump.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    /// <summary>Stores what TensorBoard reads from a logdir (as an upload would): every run, series and point.</summary>
    public async Task IngestLogdirAsync(string project, string logdir)
    {
        var snapshot = LogdirSnapshot.Read(logdir);
        foreach (var run in snapshot.Runs)
        {
            var runId = await RunAsync(project, run.RunName);
            var points = new List<TestPoint>();
            foreach (var (tag, list) in run.Points)
            {
                var metadata = run.Metadata[tag];
                var dataClass = (short)metadata.DataClass;
                var seriesId = await SeriesAsync(
                    runId, tag, dataClass, metadata.PluginData?.PluginName ?? "", metadata.PluginData?.Content.ToByteArray() ?? [],
                    metadata.DisplayName, metadata.SummaryDescription);
                foreach (var point in list.GroupBy(p => p.Step).Select(g => g.Last()))
                {
                    points.Add(dataClass switch
                    {
                        1 => new TestPoint(seriesId, point.Step, point.WallTime, point.Scalar),
                        2 => new TestPoint(seriesId, point.Step, point.WallTime, Tensor: point.Tensor.ToByteArray()),
                        _ => new TestPoint(seriesId, point.Step, point.WallTime, Blobs: [.. point.Tensor.StringVal.Select(b => b.ToByteArray())]),
                    });
                }
            }

            await CommitAsync(runId, points);
        }
    }

    private static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long seriesId, short dataClass, List<TestPoint> points)
    {
        if (dataClass == 1)
        {
            // A later write of a step replaces it: the chunks the new steps fall in are merged with them.
            var written = points.Select(p => new ScalarChunkPoint(p.Step, p.WallTime, p.Value)).ToList();
            await RewriteScalarsAsync(connection, transaction, seriesId, written.Min(p => p.Step), written.Max(p => p.Step), old =>
                [.. old.Concat(written).GroupBy(p => p.Step).Select(g => g.Last())]);
            return;
        }

        foreach (var point in points)
        {
            if (dataClass == 2)
            {
                var tensor = Metrics.Contracts.TensorBoard.TensorProto.Parser.ParseFrom(point.Tensor);
                await using var insert = new NpgsqlCommand(
                    """
                    INSERT INTO tensor_points (series_id, step, wall_time, dtype, shape, tensor) VALUES ($1, $2, $3, $4, $5, $6)
                    ON CONFLICT (series_id, step) DO UPDATE SET wall_time = EXCLUDED.wall_time, dtype = EXCLUDED.dtype, shape = EXCLUDED.shape, tensor = EXCLUDED.tensor
                    """, connection, transaction);
                insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seriesId });
                insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = point.Step });
                insert.Parameters.Add(new NpgsqlParameter<double> { TypedValue = point.WallTime });
                insert.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)tensor.Dtype });
                insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = TensorValues.Shape(tensor) });
                insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = point.Tensor! });
                await insert.ExecuteNonQueryAsync();
                continue;
            }

            var keys = new List<byte[]>();
            foreach (var blob in point.Blobs ?? [])
            {
                var key = SHA256.HashData(blob);
                keys.Add(key);
                await using var insertBlob = new NpgsqlCommand("INSERT INTO blobs (sha256, size, content) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", connection, transaction);
                insertBlob.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = key });
                insertBlob.Parameters.Add(new NpgsqlParameter<long> { TypedValue = blob.LongLength });
                insertBlob.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = blob });
                await insertBlob.ExecuteNonQueryAsync();
            }

            await using var insertPoint = new NpgsqlCommand(
                """
                INSERT INTO blob_points (series_id, step, wall_time, blob_keys) VALUES ($1, $2, $3, $4)
                ON CONFLICT (series_id, step) DO UPDATE SET wall_time = EXCLUDED.wall_time, blob_keys = EXCLUDED.blob_keys
                """, connection, transaction);
            insertPoint.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seriesId });
            insertPoint.Parameters.Add(new NpgsqlParameter<long> { TypedValue = point.Step });
            insertPoint.Parameters.Add(new NpgsqlParameter<double> { TypedValue = point.WallTime });
            insertPoint.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. keys] });
            await insertPoint.ExecuteNonQueryAsync();
        }
    }

    /// <summary>
    /// Replaces the chunks of a series that overlap [fromStep, toStep] by <paramref name="change"/>
    /// of their points, as chunks again; the rows of the series keep not overlapping.
    /// </summary>
    private static async Task RewriteScalarsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long seriesId, long fromStep, long toStep, Func<List<ScalarChunkPoint>, List<ScalarChunkPoint>> change)
    {
        await using var overlap = new NpgsqlCommand(
            "SELECT min(first_step), max(last_step) FROM scalar_chunks WHERE series_id = $1 AND first_step <= $3 AND last_step >= $2",
            connection, transaction);
        overlap.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seriesId });
        overlap.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromStep });
        overlap.Parameters.Add(new NpgsqlParameter<long> { TypedValue = toStep });
        long? first = null, last = null;
        await using (var reader = await overlap.ExecuteReaderAsync())
        {
            if (await reader.ReadAsync() && !reader.IsDBNull(0))
            {
                (first, last) = (reader.GetInt64(0), reader.GetInt64(1));
            }
        }

        List<ScalarChunkPoint> old = [];
        if (first is { } lo && last is { } hi)
        {
            // Rows of a series never overlap, so [lo, hi] holds exactly the overlapping chunks' points.
            old = await ScalarChunkReads.ReadPointsAsync(connection, seriesId, lo, hi, CancellationToken.None);
            await using var delete = new NpgsqlCommand("DELETE FROM scalar_chunks WHERE series_id = $1 AND first_step BETWEEN $2 AND $3", connection, transaction);
            delete.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seriesId });
            delete.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lo });
            delete.Parameters.Add(new NpgsqlParameter<long> { TypedValue = hi });
            await delete.ExecuteNonQueryAsync();
        }

        await ScalarChunkImport.WriteAsync(connection, seriesId, change(old), CancellationToken.None);
    }
}
