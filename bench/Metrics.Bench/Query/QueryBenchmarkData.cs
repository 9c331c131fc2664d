using Metrics.Storage;
using Metrics.Storage.Chunks;
using Npgsql;

namespace Metrics.Bench.Query;

/// <summary>Loads the benchmark's runs and points as chunks by binary COPY, as ingest leaves them (counters, ranges).</summary>
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

        var random = new Random(42);
        var longPoints = new ScalarChunkPoint[options.Points];
        for (var i = 0; i < options.Points; i++)
        {
            // A noisy decaying loss with rare spikes and the odd NaN, as long trainings produce.
            var value = (i % 100_003 == 77) ? double.NaN : Math.Exp(-i / (double)options.Points * 5) + (random.NextDouble() * 0.05) + (i % 9973 == 0 ? 3 : 0);
            longPoints[i] = new ScalarChunkPoint(i, 1_700_000_000 + (i * 0.01), value);
        }

        await ScalarChunkImport.WriteAsync(connection, longSeries, longPoints, cancellationToken);
        foreach (var series in shortSeries)
        {
            var points = Enumerable.Range(0, options.PointsPerTag).Select(i => new ScalarChunkPoint(i, 1_700_000_000 + i, Math.Sin(i / 10.0) + (series % 7)));
            await ScalarChunkImport.WriteAsync(connection, series, points, cancellationToken);
        }

        await using (var counters = new NpgsqlCommand(
            """
            UPDATE series s SET point_count = a.n, min_step = a.lo, max_step = a.hi
            FROM (SELECT series_id, sum(point_count) AS n, min(first_step) AS lo, max(last_step) AS hi FROM all_scalar_chunks GROUP BY series_id) a
            WHERE s.series_id = a.series_id
            """, connection))
        {
            counters.CommandTimeout = 600;
            await counters.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var analyze = new NpgsqlCommand("VACUUM ANALYZE scalar_chunks", connection))
        {
            analyze.CommandTimeout = 600;
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }

        return (longRun, shortRuns);
    }

    public static Task<string> TokenAsync(NpgsqlDataSource dataSource, string pepper, CancellationToken cancellationToken) =>
        new TokenStore(dataSource, Microsoft.Extensions.Options.Options.Create(new TokenOptions { Pepper = pepper }), TimeProvider.System)
            .CreateAsync(Project, TokenScope.Read, "bench query", null, cancellationToken);

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
