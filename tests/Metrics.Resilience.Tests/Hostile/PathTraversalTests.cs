using Grpc.Core;
using Metrics.Bench.Soak;
using Metrics.Contracts.V1;
using Metrics.Storage.Chunks;
using Metrics.Testing;
using Npgsql;

namespace Metrics.Resilience.Tests.Hostile;

/// <summary>Run and project names that would leave the logdir: ingest refuses them, and so does the exporter when they reach the database another way.</summary>
[Collection(HostileGroup.Name)]
public sealed class PathTraversalTests(HostileFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task OpenRun_TraversingRunNames_InvalidArgumentAndNoRun()
    {
        var client = new IngestClient(fixture.Services.Channel(0));
        var headers = new Metadata { { "authorization", "Bearer " + fixture.Services.WriteToken } };
        foreach (var name in HostileData.PathTraversal)
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => client.OpenRunAsync(new OpenRunRequest { RunName = name, WriterId = "traversal" }, headers).ResponseAsync);
            Assert.True(e.StatusCode == StatusCode.InvalidArgument, $"{Printable(name)}: {e.Status}");
            Assert.StartsWith("run_name", e.Status.Detail, StringComparison.Ordinal);
        }

        await using var command = fixture.Services.DataSource.CreateCommand("SELECT count(*) FROM runs WHERE name = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. HostileData.PathTraversal.Where(n => !n.Contains('\0', StringComparison.Ordinal))] });
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
        output.WriteLine($"ingest refused {HostileData.PathTraversal.Length} traversing run names with InvalidArgument");
    }

    [Fact]
    public async Task Export_TraversingNamesAndPlantedSymlinkInDatabase_RefusedNothingOutsideAndGoodRunsStillExported()
    {
        var services = fixture.Services;
        var outside = Support.Stack.WorkDirectory("traversal_outside");
        // A symlink planted inside the project's logdir, pointing outside it.
        Directory.CreateDirectory(services.ProjectDirectory);
        var link = Path.Combine(services.ProjectDirectory, "planted");
        if (!Path.Exists(link))
        {
            File.CreateSymbolicLink(link, outside);
        }

        // Names that ingest would refuse, written straight into the database (as a bug or an old version might).
        var bad = HostileData.PathTraversal.Where(n => n.Length > 0 && !n.Contains('\0', StringComparison.Ordinal))
            .Append("planted/run")
            .ToList();
        foreach (var name in bad)
        {
            await InsertRunAsync(services.DataSource, services.Options.Project, name);
        }

        await InsertRunAsync(services.DataSource, "..", "escape-project");

        var good = LoadSeries.For(0, 1, 10, "traversal-good");
        var writer = new LoadWriter(good, new IngestClient(services.Channel(0)), services.WriteToken, new LatencyRecorder(), maxBatches: 3);
        await writer.RunAsync(CancellationToken.None, CancellationToken.None);
        Assert.Equal(3UL, writer.LastAcked);

        AuditResult? audit = null;
        // Other runs of the shared project are "unexpected" here; the good run must be there exactly.
        await Eventually.TrueAsync(
            () => (audit = LogdirAudit.Read(services.ProjectDirectory, [(good, writer.LastAcked)])) is { Lost: 0, Duplicated: 0 } && audit.Found == audit.Acknowledged && audit.Found > 0,
            TimeSpan.FromSeconds(60),
            () => "the good run to be exported: " + audit + "\n" + services.Exporter!.Tail);

        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        Assert.False(Path.Exists(Path.Combine(services.Logdir, "escape")));
        Assert.False(Path.Exists(Path.Combine(Path.GetDirectoryName(services.Logdir)!, "escape")));
        Assert.False(Path.Exists(Path.Combine(Path.GetDirectoryName(services.Logdir)!, "escape-project")));
        Assert.False(Path.Exists(Path.Combine(services.ProjectDirectory, "a", "b")));
        // The refusal is logged by the exporter's own loop, which may trail the good run's export.
        var refusals = 0;
        await Eventually.TrueAsync(
            () => (refusals = services.Exporter!.Tail.Split('\n').Count(l => l.Contains("cannot be exported: unsafe", StringComparison.Ordinal))) > 0,
            TimeSpan.FromSeconds(30),
            () => "the exporter to log a refusal:\n" + services.Exporter!.Tail);

        output.WriteLine($"exporter refused {bad.Count} unsafe run names, a planted symlink and project '..' ({refusals} refusals in its log); good run exported: {audit}");
        await fixture.AssertAllServingAsync();
    }

    private static async Task InsertRunAsync(NpgsqlDataSource dataSource, string project, string name)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH p AS (INSERT INTO projects (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING project_id),
                 r AS (INSERT INTO runs (project_id, name, data_version) SELECT project_id, $2, 1 FROM p
                       ON CONFLICT (project_id, name) DO UPDATE SET data_version = runs.data_version + 1 RETURNING run_id),
                 s AS (INSERT INTO series (run_id, tag, data_class, plugin_name, point_count, min_step, max_step) SELECT run_id, 'loss', 1, 'scalars', 1, 0, 0 FROM r
                       ON CONFLICT (run_id, tag) DO UPDATE SET tag = EXCLUDED.tag RETURNING series_id)
            SELECT series_id, EXISTS (SELECT 1 FROM all_scalar_chunks c WHERE c.series_id = s.series_id) FROM s
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = project });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        long seriesId;
        bool hasPoint;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            (seriesId, hasPoint) = (reader.GetInt64(0), reader.GetBoolean(1));
        }

        if (!hasPoint)
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await ScalarChunkImport.WriteAsync(connection, seriesId, [new ScalarChunkPoint(0, 1700000000, 1)], CancellationToken.None);
        }

        await using var notify = dataSource.CreateCommand("SELECT pg_notify('" + Metrics.Storage.Writes.CommitNotifications.Channel + "', '')");
        await notify.ExecuteNonQueryAsync();
    }

    private static string Printable(string name) => string.Concat(name.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}
