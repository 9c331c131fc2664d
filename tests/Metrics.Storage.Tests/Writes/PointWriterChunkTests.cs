using Metrics.Storage.Writes;
using Metrics.Testing;
using static Metrics.Storage.Tests.Writes.WriteTestData;
using static Metrics.Testing.StoredData;

namespace Metrics.Storage.Tests.Writes;

/// <summary>How the write path lays scalar points out in chunk rows (what the property tests check only through reads).</summary>
public sealed class PointWriterChunkTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private readonly CancellationToken _ct = CancellationToken.None;

    private async Task<(long Run, PointWriter Writer)> ThousandPointsAsync(string name)
    {
        var store = new RunStore(db.DataSource);
        var project = await store.EnsureProjectAsync("chunks", _ct);
        var run = (await store.OpenRunAsync(project, name, "w1", restartAtStep: null, cancellationToken: _ct)).RunId;
        var writer = new PointWriter(db.DataSource);
        var result = await writer.WriteAsync(new WriteBatch { RunId = run, WriterId = "w1", Seq = 1, Metadata = [Scalar("loss")], Scalars = [Points("loss", [.. Enumerable.Range(0, 1000).Select(i => ((long)i, (double)i))])] }, _ct);
        Assert.Equal(BatchOutcome.Committed, result.Outcome);
        return (run, writer);
    }

    private async Task<string> RowsAsync(long run) => string.Join(' ', await ListAsync(
        run,
        "SELECT format('%s-%s:%s', c.first_step, c.last_step, c.point_count) FROM scalar_chunks c JOIN series s USING (series_id) WHERE s.run_id = $1 ORDER BY c.first_step"));

    private async Task<List<string>> ListAsync(long run, string sql)
    {
        await using var command = db.DataSource.CreateCommand(sql);
        command.Parameters.Add(new Npgsql.NpgsqlParameter<long> { TypedValue = run });
        await using var reader = await command.ExecuteReaderAsync(_ct);
        var rows = new List<string>();
        while (await reader.ReadAsync(_ct))
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    [Fact]
    public async Task CommitAsync_OneBatchOfAppends_FullChunksInOneGo()
    {
        var (run, _) = await ThousandPointsAsync("appends");

        Assert.Equal("0-255:256 256-511:256 512-767:256 768-999:232", await RowsAsync(run));
    }

    [Fact]
    public async Task CommitAsync_RewriteOfFirstStepWithAppends_TakesOnlyTheChunkHoldingIt()
    {
        var (run, writer) = await ThousandPointsAsync("rewrite-first");
        var untouched = await ListAsync(run, "SELECT c.xmin::text FROM scalar_chunks c JOIN series s USING (series_id) WHERE s.run_id = $1 AND first_step > 0 ORDER BY first_step");

        var result = await writer.CommitAsync([new WriteBatch { RunId = run, WriterId = "w1", Seq = 2, Scalars = [Points("loss", (1000, 1), (0, 42))] }], _ct);

        Assert.True(result.UsedSlowPath);
        Assert.Equal("0-255:256 256-511:256 512-767:256 768-999:232 1000-1000:1", await RowsAsync(run));
        Assert.Equal(untouched, (await ListAsync(run, "SELECT c.xmin::text FROM scalar_chunks c JOIN series s USING (series_id) WHERE s.run_id = $1 AND first_step > 0 ORDER BY first_step")).Take(3));
        var points = await ReadScalarsAsync(db.DataSource, run, "loss");
        Assert.Equal((0L, 42.0), points[0]);
        Assert.Equal(1001, points.Count);
        Assert.Equal((1001L, 0L, 1000L), await SeriesStatsAsync(db.DataSource, run, "loss"));
        Assert.Equal(1L, (await VersionsAsync(db.DataSource, run)).Rewrite);
    }

    [Fact]
    public async Task CommitAsync_RestartInsideAChunk_CutsItAndDropsTheLaterOnes()
    {
        var (run, writer) = await ThousandPointsAsync("restart");

        await writer.CommitAsync([new WriteBatch { RunId = run, WriterId = "w1", Seq = 2, RestartAtStep = 300, Scalars = [Points("loss", (300, 9))] }], _ct);

        Assert.Equal("0-255:256 256-299:44 300-300:1", await RowsAsync(run));
        Assert.Equal((301L, 0L, 300L), await SeriesStatsAsync(db.DataSource, run, "loss"));
        Assert.Equal([.. Enumerable.Range(0, 300).Select(i => ((long)i, (double)i)), (300L, 9.0)], await ReadScalarsAsync(db.DataSource, run, "loss"));
    }

    [Fact]
    public async Task CommitAsync_RestartWaitingOnACompaction_DeletesTheChunksItWrote()
    {
        var (run, writer) = await ThousandPointsAsync("restart-after-compaction");
        await writer.WriteAsync(new WriteBatch { RunId = run, WriterId = "w1", Seq = 2, Metadata = [Scalar("other")], Scalars = [Points("other", (0, 0))] }, _ct);

        // A compaction holding the series lock: it deletes a chunk and writes its replacement (a new row).
        await using var compaction = await db.DataSource.OpenConnectionAsync(_ct);
        await using var transaction = await compaction.BeginTransactionAsync(_ct);
        await using (var command = compaction.CreateCommand())
        {
            command.CommandText =
                $"""
                SELECT 1 FROM series WHERE run_id = {run} AND tag = 'loss' FOR UPDATE;
                WITH d AS (
                    DELETE FROM scalar_chunks c USING series s
                    WHERE s.series_id = c.series_id AND s.run_id = {run} AND s.tag = 'loss' AND c.first_step = 768 RETURNING c.*
                )
                INSERT INTO scalar_chunks SELECT * FROM d;
                """;
            await command.ExecuteNonQueryAsync(_ct);
        }

        // The restart's commit writes "other" only, so it meets the lock of "loss" inside the restart.
        var restart = writer.CommitAsync([new WriteBatch { RunId = run, WriterId = "w1", Seq = 3, RestartAtStep = 700, Scalars = [Points("other", (700, 1))] }], _ct);
        await Eventually.TrueAsync(
            async () => await ScalarAsync(db.DataSource, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") > 0,
            TimeSpan.FromSeconds(30),
            () => "the restart to wait for the series lock");
        await transaction.CommitAsync(_ct);
        await restart;

        Assert.Equal([.. Enumerable.Range(0, 700).Select(i => ((long)i, (double)i))], await ReadScalarsAsync(db.DataSource, run, "loss"));
        Assert.Equal((700L, 0L, 699L), await SeriesStatsAsync(db.DataSource, run, "loss"));
    }
}
