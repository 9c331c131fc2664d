using Metrics.Storage.Chunks;
using Npgsql;

namespace Metrics.Bench.Soak;

/// <summary>
/// Compares what writers were acknowledged with what PostgreSQL holds, point by point, and counts
/// double applications: a batch committed twice would add its points to writers.points twice, and
/// a point written twice at one step would bump runs.rewrite_version (the load only appends).
/// </summary>
public static class PointAudit
{
    private const int MaxExamples = 5;

    /// <summary>Audits the scalar points of <paramref name="project"/> against each writer's last acknowledged seq.</summary>
    public static async Task<AuditResult> DatabaseAsync(NpgsqlDataSource dataSource, string project, IReadOnlyList<(LoadSeries Series, ulong Acked)> writers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(writers);
        var byTag = writers.ToDictionary(w => (w.Series.RunName, w.Series.Tag), w => (w.Series, Expected: w.Series.Points(w.Acked)));
        var found = new Dictionary<(string, string), long>();
        var examples = new List<string>();
        long unexpected = 0, wrong = 0;
        var series = new List<((string, string) Key, long SeriesId)>();
        await using (var command = dataSource.CreateCommand(
            """
            SELECT r.name, s.tag, s.series_id
            FROM series s JOIN runs r USING (run_id) JOIN projects p USING (project_id)
            WHERE p.name = $1 AND s.data_class = 1
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = project });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                series.Add(((reader.GetString(0), reader.GetString(1)), reader.GetInt64(2)));
            }
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var (key, seriesId) in series)
        {
            foreach (var point in await ScalarChunkReads.ReadPointsAsync(connection, seriesId, long.MinValue, long.MaxValue, cancellationToken))
            {
                var step = point.Step;
                if (!byTag.TryGetValue(key, out var writer) || step < 0 || step >= writer.Expected)
                {
                    unexpected++;
                    Note(examples, $"unexpected {key.Item1}/{key.Item2}@{step}");
                    continue;
                }

                if (point.WallTime != LoadSeries.WallTime(step) || point.Value != writer.Series.Value(step))
                {
                    wrong++;
                    Note(examples, $"different {key.Item1}/{key.Item2}@{step}: {point.Value}");
                    continue;
                }

                found[key] = found.GetValueOrDefault(key) + 1;
            }
        }

        long acknowledged = 0, lost = wrong;
        foreach (var (key, writer) in byTag)
        {
            acknowledged += writer.Expected;
            var missing = writer.Expected - found.GetValueOrDefault(key);
            if (missing > 0)
            {
                lost += missing;
                Note(examples, $"{missing} missing in {key.RunName}/{key.Tag}");
            }
        }

        // Points the writers' batches added (each counted once per commit) beyond the rows stored,
        // and replaced points, are double applications.
        long applied = 0, rewrites = 0;
        await using (var command = dataSource.CreateCommand(
            """
            SELECT coalesce((SELECT sum(w.points) FROM writers w JOIN runs r USING (run_id) JOIN projects p USING (project_id) WHERE p.name = $1), 0)::bigint,
                   coalesce((SELECT sum(r.rewrite_version) FROM runs r JOIN projects p USING (project_id) WHERE p.name = $1), 0)::bigint
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = project });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            applied = reader.GetInt64(0);
            rewrites = reader.GetInt64(1);
        }

        var stored = found.Values.Sum() + unexpected;
        var duplicated = Math.Max(0, applied - stored) + rewrites;
        if (duplicated > 0)
        {
            Note(examples, $"writers.points={applied} rows={stored} rewrite_version sum={rewrites}");
        }

        return new AuditResult("database", acknowledged, found.Values.Sum(), lost, duplicated, unexpected, examples);
    }

    internal static void Note(List<string> examples, string example)
    {
        if (examples.Count < MaxExamples)
        {
            examples.Add(example);
        }
    }
}
