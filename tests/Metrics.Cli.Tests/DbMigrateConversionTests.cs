using Metrics.Cli.Tests.Support;
using Metrics.Client;
using Metrics.Storage.Chunks;
using Npgsql;
using NpgsqlTypes;
using Xunit.Abstractions;

namespace Metrics.Cli.Tests;

/// <summary>
/// `metrics db migrate` converts the scalar_points rows of schema version 2 into chunks while the
/// real ingest service takes SDK writers' appends, rewrites
/// of old steps and a restart into the very series being converted: at the end scalar_points is
/// empty and every series reads exactly its model, nothing lost or duplicated, later writes winning.
/// </summary>
public sealed class DbMigrateConversionTests(ConversionFixture ingest, ITestOutputHelper output) : IClassFixture<ConversionFixture>
{
    private const int LegacySteps = 50_000;
    private const long RestartStep = 30_000;

    private static readonly string[] RewriteTags = ["conv/loss", "conv/acc"];
    private static readonly string[] RestartTags = ["conv/lr", "conv/grad"];

    [Fact]
    public async Task Migrate_LegacyRowsWhileWritersStream_ConvertsEveryPointOnceAndLaterWritesWin()
    {
        // Both runs and their series exist (made by the SDK, step 0), then 4 × 50k legacy rows go in underneath.
        var model = new Dictionary<(string Run, string Tag), SortedDictionary<long, double>>();
        foreach (var (run, tags) in new[] { ("conv/rewrite", RewriteTags), ("conv/restart", RestartTags) })
        {
            await using var first = Writer(run, "seed");
            foreach (var tag in tags)
            {
                first.AddScalar(tag, -1, 0);
                model[(run, tag)] = new SortedDictionary<long, double> { [0] = -1 };
            }

            Assert.True((await first.CloseAsync()).Complete);
            foreach (var tag in tags)
            {
                await SeedLegacyAsync(run, tag, model[(run, tag)]);
            }
        }

        Assert.Equal(4L * (LegacySteps - 1), await CountAsync("SELECT count(*) FROM scalar_points"));

        var migrate = ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["db", "migrate", "--database-url", ingest.Url]);
        var rewriter = RewriteWhileAsync(model, migrate);
        var restarter = RestartWhileAsync(model, migrate);
        var result = await migrate;
        var (rewriteRounds, restartRounds) = (await rewriter, await restarter);

        output.WriteLine(result.StandardOutput);
        output.WriteLine($"rounds while migrating: {rewriteRounds} rewrite, {restartRounds} restart");
        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Contains("Converted", result.StandardOutput, StringComparison.Ordinal);
        Assert.True(rewriteRounds > 0 && restartRounds > 0);
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM scalar_points"));
        Assert.Equal(0L, await CountAsync(
            """
            SELECT count(*) FROM (
                SELECT first_step, lag(last_step) OVER (PARTITION BY series_id ORDER BY first_step) AS previous_last FROM all_scalar_chunks
            ) x WHERE previous_last >= first_step
            """));

        foreach (var ((run, tag), expected) in model)
        {
            var seriesId = await SeriesIdAsync(run, tag);
            var points = await ScalarChunkReads.ReadPointsAsync(ingest.DataSource, seriesId, long.MinValue, long.MaxValue, CancellationToken.None);
            Assert.Equal([.. expected.Keys], points.Select(p => p.Step).ToArray());
            Assert.Equal([.. expected.Values], points.Select(p => p.Value).ToArray());
            Assert.Equal(expected.Count, await CountAsync($"SELECT point_count FROM series WHERE series_id = {seriesId}"));
        }
    }

    /// <summary>Appends to both series and rewrites old (legacy) steps of the first, in rounds, until the migration has ended.</summary>
    private async Task<int> RewriteWhileAsync(Dictionary<(string, string), SortedDictionary<long, double>> model, Task migrate)
    {
        await using var writer = Writer("conv/rewrite", "rewriter");
        var next = (long)LegacySteps;
        var rounds = 0;
        var random = new Random(17);
        while (!migrate.IsCompleted || rounds < 3)
        {
            for (var i = 0; i < 200; i++, next++)
            {
                foreach (var tag in RewriteTags)
                {
                    Add(writer, model, "conv/rewrite", tag, next, (next % 1000) + 0.5);
                }
            }

            // Later writes of steps the migration may be converting at this very moment.
            for (var i = 0; i < 50; i++)
            {
                var step = random.NextInt64(1, LegacySteps);
                Add(writer, model, "conv/rewrite", RewriteTags[0], step, -(rounds + 1));
            }

            await writer.FlushAsync();
            rounds++;
        }

        Assert.True((await writer.CloseAsync()).Complete);
        return rounds;
    }

    /// <summary>Appends to both series, restarts the run at a legacy step early on, then keeps writing from there until the migration has ended.</summary>
    private async Task<int> RestartWhileAsync(Dictionary<(string, string), SortedDictionary<long, double>> model, Task migrate)
    {
        await using var writer = Writer("conv/restart", "restarter");
        var next = (long)LegacySteps;
        var rounds = 0;
        while (!migrate.IsCompleted || rounds < 3)
        {
            if (rounds == 2)
            {
                writer.MarkRestart(RestartStep);
                foreach (var tag in RestartTags)
                {
                    var series = model[("conv/restart", tag)];
                    foreach (var step in series.Keys.Where(s => s >= RestartStep).ToList())
                    {
                        series.Remove(step);
                    }
                }

                next = RestartStep;
            }

            for (var i = 0; i < 200; i++, next++)
            {
                foreach (var tag in RestartTags)
                {
                    Add(writer, model, "conv/restart", tag, next, (next % 777) + 0.25);
                }
            }

            await writer.FlushAsync();
            rounds++;
        }

        Assert.True((await writer.CloseAsync()).Complete);
        return rounds;
    }

    private static void Add(SummaryWriter writer, Dictionary<(string, string), SortedDictionary<long, double>> model, string run, string tag, long step, double value)
    {
        writer.AddScalar(tag, value, step);
        lock (model)
        {
            model[(run, tag)][step] = value;
        }
    }

    private SummaryWriter Writer(string run, string writerId) => new(new SummaryWriterOptions
    {
        Server = ingest.IngestUrl,
        Token = ingest.Token,
        RunName = run,
        WriterId = writerId,
        JournalDirectory = Path.Combine(Path.GetTempPath(), "metrics-migrate-test-" + Guid.NewGuid().ToString("N")),
        MaxQueue = 1000,
    });

    /// <summary>Steps 1 … LegacySteps-1 as rows of scalar_points, as schema version 2 stored them, with the series' counts to match.</summary>
    private async Task SeedLegacyAsync(string run, string tag, SortedDictionary<long, double> model)
    {
        var seriesId = await SeriesIdAsync(run, tag);
        await using var connection = await ingest.DataSource.OpenConnectionAsync();
        await using (var importer = await connection.BeginBinaryImportAsync("COPY scalar_points (series_id, step, wall_time, value) FROM STDIN (FORMAT BINARY)"))
        {
            for (long step = 1; step < LegacySteps; step++)
            {
                var value = Math.Round(Math.Sin(step * 0.001), 3);
                await importer.StartRowAsync();
                await importer.WriteAsync(seriesId, NpgsqlDbType.Bigint);
                await importer.WriteAsync(step, NpgsqlDbType.Bigint);
                await importer.WriteAsync(1_600_000_000.0 + step, NpgsqlDbType.Double);
                await importer.WriteAsync(value, NpgsqlDbType.Double);
                model[step] = value;
            }

            await importer.CompleteAsync();
        }

        await using var update = new NpgsqlCommand($"UPDATE series SET point_count = point_count + {LegacySteps - 1}, max_step = {LegacySteps - 1} WHERE series_id = {seriesId}", connection);
        Assert.Equal(1, await update.ExecuteNonQueryAsync());
    }

    private async Task<long> SeriesIdAsync(string run, string tag)
    {
        await using var command = ingest.DataSource.CreateCommand(
            "SELECT s.series_id FROM series s JOIN runs r USING (run_id) WHERE r.name = $1 AND s.tag = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = run });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tag });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var command = ingest.DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
