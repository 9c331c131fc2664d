using Metrics.Storage.Chunks;
using Npgsql;

namespace Metrics.Query.Tests.TestData;

/// <summary>Writes runs, series and points straight into the schema (scalars as chunks by binary COPY).</summary>
public sealed class TestSeeder(NpgsqlDataSource dataSource)
{
    public async Task<long> ProjectAsync(string project)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO projects (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING project_id");
        command.Parameters.Add(new NpgsqlParameter { Value = project });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async Task<long> RunAsync(string project, string name, string hparams = "{}", string[]? hparamMetrics = null)
    {
        var projectId = await ProjectAsync(project);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO runs (project_id, name, hparams, hparam_metrics) VALUES ($1, $2, $3::jsonb, $4) RETURNING run_id");
        command.Parameters.Add(new NpgsqlParameter { Value = projectId });
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        command.Parameters.Add(new NpgsqlParameter { Value = hparams });
        command.Parameters.Add(new NpgsqlParameter { Value = hparamMetrics ?? [] });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async Task<long> SeriesAsync(long runId, string tag, short dataClass, string plugin, byte[]? pluginContent = null, string displayName = "", string description = "")
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO series (run_id, tag, data_class, plugin_name, plugin_content, display_name, description)
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING series_id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        command.Parameters.Add(new NpgsqlParameter { Value = tag });
        command.Parameters.Add(new NpgsqlParameter { Value = dataClass });
        command.Parameters.Add(new NpgsqlParameter { Value = plugin });
        command.Parameters.Add(new NpgsqlParameter { Value = pluginContent ?? [] });
        command.Parameters.Add(new NpgsqlParameter { Value = displayName });
        command.Parameters.Add(new NpgsqlParameter { Value = description });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A scalar series with the given points (step order not required).</summary>
    public async Task<long> ScalarsAsync(long runId, string tag, IEnumerable<(long Step, double WallTime, double Value)> points)
    {
        var seriesId = await SeriesAsync(runId, tag, 1, "scalars");
        await AppendScalarsAsync(seriesId, points);
        return seriesId;
    }

    /// <summary>Adds points as chunks (steps the series does not hold yet) and updates the series counters and run versions as ingest does.</summary>
    public async Task AppendScalarsAsync(long seriesId, IEnumerable<(long Step, double WallTime, double Value)> points)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await ScalarChunkImport.WriteAsync(connection, seriesId, points.Select(p => new ScalarChunkPoint(p.Step, p.WallTime, p.Value)), CancellationToken.None);
        await RefreshSeriesAsync(connection, seriesId, "scalar");
    }

    /// <summary>
    /// Replaces the value at <paramref name="step"/> as a later write of that step does: the chunk
    /// holding it is rewritten with a new summary, and the run's rewrite_version moves in the same
    /// transaction.
    /// </summary>
    public async Task ReplaceScalarAsync(long runId, long seriesId, long step, double value)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        long firstStep, lastStep;
        await using (var find = new NpgsqlCommand(
            "SELECT first_step, last_step FROM scalar_chunks WHERE series_id = $1 AND first_step <= $2 AND last_step >= $2 FOR UPDATE", connection, transaction))
        {
            find.Parameters.Add(new NpgsqlParameter { Value = seriesId });
            find.Parameters.Add(new NpgsqlParameter { Value = step });
            await using var reader = await find.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync(), $"no chunk of series {seriesId} holds step {step}");
            (firstStep, lastStep) = (reader.GetInt64(0), reader.GetInt64(1));
        }

        var points = await ScalarChunkReads.ReadPointsAsync(connection, seriesId, firstStep, lastStep, CancellationToken.None);
        var at = points.FindIndex(p => p.Step == step);
        Assert.True(at >= 0, $"series {seriesId} has no point at step {step}");
        points[at] = points[at] with { Value = value };
        await using (var delete = new NpgsqlCommand("DELETE FROM scalar_chunks WHERE series_id = $1 AND first_step = $2", connection, transaction))
        {
            delete.Parameters.Add(new NpgsqlParameter { Value = seriesId });
            delete.Parameters.Add(new NpgsqlParameter { Value = firstStep });
            await delete.ExecuteNonQueryAsync();
        }

        await ScalarChunkImport.WriteAsync(connection, seriesId, points, CancellationToken.None);
        await using var run = new NpgsqlCommand("UPDATE runs SET rewrite_version = rewrite_version + 1, data_version = data_version + 1 WHERE run_id = $1", connection, transaction);
        run.Parameters.Add(new NpgsqlParameter { Value = runId });
        await run.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }

    public async Task<long> TensorsAsync(long runId, string tag, string plugin, IEnumerable<(long Step, double WallTime, Metrics.Contracts.TensorBoard.TensorProto Tensor)> points)
    {
        var seriesId = await SeriesAsync(runId, tag, 2, plugin);
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var (step, wall, tensor) in points)
        {
            await using var command = new NpgsqlCommand(
                "INSERT INTO tensor_points (series_id, step, wall_time, dtype, shape, tensor) VALUES ($1, $2, $3, $4, $5, $6)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = seriesId });
            command.Parameters.Add(new NpgsqlParameter { Value = step });
            command.Parameters.Add(new NpgsqlParameter { Value = wall });
            command.Parameters.Add(new NpgsqlParameter { Value = (short)tensor.Dtype });
            command.Parameters.Add(new NpgsqlParameter { Value = tensor.TensorShape?.Dim.Select(d => d.Size).ToArray() ?? [] });
            command.Parameters.Add(new NpgsqlParameter { Value = Google.Protobuf.MessageExtensions.ToByteArray(tensor) });
            await command.ExecuteNonQueryAsync();
        }

        await RefreshSeriesAsync(connection, seriesId, "tensor_points");
        return seriesId;
    }

    /// <summary>A blob-sequence series; returns the SHA-256 keys of each step's blobs.</summary>
    public async Task<long> BlobsAsync(long runId, string tag, string plugin, IEnumerable<(long Step, double WallTime, byte[][] Blobs)> points)
    {
        var seriesId = await SeriesAsync(runId, tag, 3, plugin);
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var (step, wall, blobs) in points)
        {
            var keys = blobs.Select(System.Security.Cryptography.SHA256.HashData).ToArray();
            for (var i = 0; i < blobs.Length; i++)
            {
                await using var blob = new NpgsqlCommand(
                    "INSERT INTO blobs (sha256, size, content) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", connection);
                blob.Parameters.Add(new NpgsqlParameter { Value = keys[i] });
                blob.Parameters.Add(new NpgsqlParameter { Value = (long)blobs[i].Length });
                blob.Parameters.Add(new NpgsqlParameter { Value = blobs[i] });
                await blob.ExecuteNonQueryAsync();
            }

            await using var command = new NpgsqlCommand(
                "INSERT INTO blob_points (series_id, step, wall_time, blob_keys) VALUES ($1, $2, $3, $4)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = seriesId });
            command.Parameters.Add(new NpgsqlParameter { Value = step });
            command.Parameters.Add(new NpgsqlParameter { Value = wall });
            command.Parameters.Add(new NpgsqlParameter { Value = keys });
            await command.ExecuteNonQueryAsync();
        }

        await RefreshSeriesAsync(connection, seriesId, "blob_points");
        return seriesId;
    }

    /// <summary>Announces a commit to live tails as ingest does (NOTIFY metrics_commits, run id).</summary>
    public async Task NotifyAsync(long runId)
    {
        await using var command = dataSource.CreateCommand("SELECT pg_notify('metrics_commits', $1)");
        command.Parameters.Add(new NpgsqlParameter { Value = runId.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await command.ExecuteNonQueryAsync();
    }

    private static async Task RefreshSeriesAsync(NpgsqlConnection connection, long seriesId, string table)
    {
        // table is "scalar" (chunks: counts from their summaries) or one of two point tables.
        var counts = table == "scalar"
            ? "SELECT COALESCE(sum(point_count), 0) AS n, min(first_step) AS lo, max(last_step) AS hi FROM all_scalar_chunks WHERE series_id = $1"
            : $"SELECT count(*) AS n, min(step) AS lo, max(step) AS hi FROM {table} WHERE series_id = $1";
        await using (var command = new NpgsqlCommand(
            $"""
            UPDATE series s SET point_count = a.n, min_step = a.lo, max_step = a.hi
            FROM ({counts}) a
            WHERE s.series_id = $1
            """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = seriesId });
            await command.ExecuteNonQueryAsync();
        }

        await using var run = new NpgsqlCommand(
            """
            UPDATE runs SET data_version = data_version + 1, last_write_at = now()
            WHERE run_id = (SELECT run_id FROM series WHERE series_id = $1)
            """, connection);
        run.Parameters.Add(new NpgsqlParameter { Value = seriesId });
        await run.ExecuteNonQueryAsync();
    }
}
