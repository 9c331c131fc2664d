using Metrics.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Metrics.Bench.Query;

/// <summary>Loads the benchmark's runs and points by binary COPY, as ingest leaves them (counters, ranges).</summary>
internal static class QueryBenchmarkData
{
    public const string Project = "bench";
    public const string LongRun = "long/run";
    public const string LongTag = "loss";

    /// <summary>Loads everything; returns the long run's id and the short runs' ids.</summary>
    public static async Task<(long LongRunId, long[] ShortRunIds)> LoadAsync(NpgsqlDataSource dataSource, QueryBenchmarkOptions options, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        long projectId;
        await using (var project = new NpgsqlCommand("INSERT INTO projects (name) VALUES ($1) RETURNING project_id", connection))
        {
            project.Parameters.Add(new NpgsqlParameter { Value = Project });
            projectId = (long)(await project.ExecuteScalarAsync(cancellationToken))!;
        }

        var longRun = await RunAsync(connection, projectId, LongRun, cancellationToken);
        var longSeries = await SeriesAsync(connection, longRun, LongTag, cancellationToken);
        var shortRuns = new long[options.Runs];
        var shortSeries = new List<long>();
        for (var r = 0; r < options.Runs; r++)
        {
            shortRuns[r] = await RunAsync(connection, projectId, $"sweep/run-{r:D3}", cancellationToken);
            for (var t = 0; t < options.TagsPerRun; t++)
            {
                shortSeries.Add(await SeriesAsync(connection, shortRuns[r], $"metric/{t}", cancellationToken));
            }
        }

        await using (var copy = await connection.BeginBinaryImportAsync("COPY scalar_points (series_id, step, wall_time, value) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            var random = new Random(42);
            for (var i = 0; i < options.Points; i++)
            {
                // A noisy decaying loss with rare spikes and the odd NaN, as long trainings produce.
                var value = (i % 100_003 == 77) ? double.NaN : Math.Exp(-i / (double)options.Points * 5) + (random.NextDouble() * 0.05) + (i % 9973 == 0 ? 3 : 0);
                await WriteRowAsync(copy, longSeries, i, 1_700_000_000 + (i * 0.01), value, cancellationToken);
            }

            foreach (var series in shortSeries)
            {
                for (var i = 0; i < options.PointsPerTag; i++)
                {
                    await WriteRowAsync(copy, series, i, 1_700_000_000 + i, Math.Sin(i / 10.0) + (series % 7), cancellationToken);
                }
            }

            await copy.CompleteAsync(cancellationToken);
        }

        await using (var counters = new NpgsqlCommand(
            """
            UPDATE series s SET point_count = a.n, min_step = a.lo, max_step = a.hi
            FROM (SELECT series_id, count(*) AS n, min(step) AS lo, max(step) AS hi FROM scalar_points GROUP BY series_id) a
            WHERE s.series_id = a.series_id
            """, connection))
        {
            counters.CommandTimeout = 600;
            await counters.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var analyze = new NpgsqlCommand("VACUUM ANALYZE scalar_points", connection))
        {
            analyze.CommandTimeout = 600;
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }

        return (longRun, shortRuns);
    }

    public static Task<string> TokenAsync(NpgsqlDataSource dataSource, string pepper, CancellationToken cancellationToken) =>
        new TokenStore(dataSource, Microsoft.Extensions.Options.Options.Create(new TokenOptions { Pepper = pepper }), TimeProvider.System)
            .CreateAsync(Project, TokenScope.Read, "bench query", null, cancellationToken);

    private static async Task WriteRowAsync(NpgsqlBinaryImporter copy, long series, long step, double wallTime, double value, CancellationToken cancellationToken)
    {
        await copy.StartRowAsync(cancellationToken);
        await copy.WriteAsync(series, NpgsqlDbType.Bigint, cancellationToken);
        await copy.WriteAsync(step, NpgsqlDbType.Bigint, cancellationToken);
        await copy.WriteAsync(wallTime, NpgsqlDbType.Double, cancellationToken);
        await copy.WriteAsync(value, NpgsqlDbType.Double, cancellationToken);
    }

    private static async Task<long> RunAsync(NpgsqlConnection connection, long projectId, string name, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("INSERT INTO runs (project_id, name) VALUES ($1, $2) RETURNING run_id", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = projectId });
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<long> SeriesAsync(NpgsqlConnection connection, long runId, string tag, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("INSERT INTO series (run_id, tag, data_class, plugin_name) VALUES ($1, $2, 1, 'scalars') RETURNING series_id", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        command.Parameters.Add(new NpgsqlParameter { Value = tag });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
