using System.Diagnostics;
using Google.Protobuf;
using Metrics.Contracts.V1;
using Npgsql;
using NpgsqlTypes;

namespace Metrics.Bench.Ingest;

/// <summary>
/// The baseline: the same rows binary-COPYed straight into the same tables, one connection and
/// one transaction per writer, all writers at once, with no service, no validation, no
/// exactly-once bookkeeping and no group commit in between.
/// </summary>
internal static class CopyBaseline
{
    public static async Task<double> MeasureAsync(NpgsqlDataSource db, long projectId, string prefix, List<List<Batch>> writers, CancellationToken cancellationToken)
    {
        // Runs and series exist before the clock starts: the baseline measures row COPY only.
        var seriesByWriter = new List<Dictionary<string, long>>();
        for (var w = 0; w < writers.Count; w++)
        {
            seriesByWriter.Add(await CreateSeriesAsync(db, projectId, $"{prefix}/w{w}", writers[w][0], cancellationToken));
        }

        var watch = Stopwatch.StartNew();
        await Task.WhenAll(writers.Select((batches, w) => CopyAsync(db, seriesByWriter[w], batches, cancellationToken)));
        var seconds = watch.Elapsed.TotalSeconds;
        return writers.Sum(b => BenchRows.PointCount(b)) / seconds;
    }

    private static async Task<Dictionary<string, long>> CreateSeriesAsync(NpgsqlDataSource db, long projectId, string run, Batch first, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            """
            WITH r AS (INSERT INTO runs (project_id, name) VALUES ($1, $2) RETURNING run_id)
            INSERT INTO series (run_id, tag, data_class, plugin_name)
            SELECT r.run_id, t.tag, t.data_class, t.plugin FROM r, unnest($3::text[], $4::smallint[], $5::text[]) AS t(tag, data_class, plugin)
            RETURNING tag, series_id
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = projectId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = run });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. first.Metadata.Select(m => m.Tag)] });
        command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. first.Metadata.Select(m => (short)m.DataClass)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. first.Metadata.Select(m => m.PluginName)] });
        var series = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            series[reader.GetString(0)] = reader.GetInt64(1);
        }

        return series;
    }

    private static async Task CopyAsync(NpgsqlDataSource db, Dictionary<string, long> series, List<Batch> batches, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var importer = await connection.BeginBinaryImportAsync("COPY scalar_points (series_id, step, wall_time, value) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var scalars in batches.SelectMany(b => b.Scalars))
            {
                var id = series[scalars.Tag];
                for (var i = 0; i < scalars.Steps.Count; i++)
                {
                    await importer.StartRowAsync(cancellationToken);
                    await importer.WriteAsync(id, NpgsqlDbType.Bigint, cancellationToken);
                    await importer.WriteAsync(scalars.Steps[i], NpgsqlDbType.Bigint, cancellationToken);
                    await importer.WriteAsync(scalars.WallTimes[i], NpgsqlDbType.Double, cancellationToken);
                    await importer.WriteAsync(scalars.Values[i], NpgsqlDbType.Double, cancellationToken);
                }
            }

            await importer.CompleteAsync(cancellationToken);
        }

        if (batches.Any(b => b.Tensors.Count > 0))
        {
            await using var importer = await connection.BeginBinaryImportAsync("COPY tensor_points (series_id, step, wall_time, dtype, shape, tensor) FROM STDIN (FORMAT BINARY)", cancellationToken);
            foreach (var point in batches.SelectMany(b => b.Tensors))
            {
                await importer.StartRowAsync(cancellationToken);
                await importer.WriteAsync(series[point.Tag], NpgsqlDbType.Bigint, cancellationToken);
                await importer.WriteAsync(point.Step, NpgsqlDbType.Bigint, cancellationToken);
                await importer.WriteAsync(point.WallTime, NpgsqlDbType.Double, cancellationToken);
                await importer.WriteAsync((short)point.Tensor.Dtype, NpgsqlDbType.Smallint, cancellationToken);
                await importer.WriteAsync(point.Tensor.TensorShape.Dim.Select(d => d.Size).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint, cancellationToken);
                await importer.WriteAsync(point.Tensor.ToByteArray(), NpgsqlDbType.Bytea, cancellationToken);
            }

            await importer.CompleteAsync(cancellationToken);
        }

        if (batches.Any(b => b.Blobs.Count > 0))
        {
            var blobs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            await using (var importer = await connection.BeginBinaryImportAsync("COPY blob_points (series_id, step, wall_time, blob_keys) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                foreach (var point in batches.SelectMany(b => b.Blobs))
                {
                    var keys = point.Blobs.Select(b =>
                    {
                        var bytes = b.Data.ToByteArray();
                        var sha = System.Security.Cryptography.SHA256.HashData(bytes);
                        blobs[Convert.ToHexString(sha)] = bytes;
                        return sha;
                    }).ToArray();
                    await importer.StartRowAsync(cancellationToken);
                    await importer.WriteAsync(series[point.Tag], NpgsqlDbType.Bigint, cancellationToken);
                    await importer.WriteAsync(point.Step, NpgsqlDbType.Bigint, cancellationToken);
                    await importer.WriteAsync(point.WallTime, NpgsqlDbType.Double, cancellationToken);
                    await importer.WriteAsync(keys, NpgsqlDbType.Array | NpgsqlDbType.Bytea, cancellationToken);
                }

                await importer.CompleteAsync(cancellationToken);
            }

            await using var insert = new NpgsqlCommand(
                "INSERT INTO blobs (sha256, size, content) SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::bytea[]) ON CONFLICT DO NOTHING", connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. blobs.Keys.Select(Convert.FromHexString)] });
            insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. blobs.Values.Select(b => (long)b.Length)] });
            insert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. blobs.Values] });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
