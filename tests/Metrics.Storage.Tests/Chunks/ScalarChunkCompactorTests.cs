using Metrics.Storage.Chunks;
using Metrics.Storage.Writes;
using Metrics.Testing;
using static Metrics.Storage.Tests.Writes.WriteTestData;
using static Metrics.Testing.StoredData;

namespace Metrics.Storage.Tests.Chunks;

public sealed class ScalarChunkCompactorTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private readonly CancellationToken _ct = CancellationToken.None;

    private async Task<(long Run, PointWriter Writer)> NewRunAsync(string name)
    {
        var store = new RunStore(db.DataSource);
        var project = await store.EnsureProjectAsync("compaction", _ct);
        return ((await store.OpenRunAsync(project, name, "w1", restartAtStep: null, cancellationToken: _ct)).RunId, new PointWriter(db.DataSource));
    }

    /// <summary>Writes steps [from, to) one commit of <paramref name="perCommit"/> points at a time, as a slow trainer does.</summary>
    private async Task AppendAsync(PointWriter writer, long run, long seq, int from, int to, int perCommit)
    {
        for (var start = from; start < to; start += perCommit, seq++)
        {
            var points = Enumerable.Range(start, Math.Min(perCommit, to - start)).Select(s => ((long)s, s * 0.5)).ToArray();
            await writer.WriteAsync(new WriteBatch { RunId = run, WriterId = "w1", Seq = seq, Metadata = seq == 1 ? [Scalar("loss")] : [], Scalars = [Points("loss", points)] }, _ct);
        }
    }

    [Fact]
    public async Task CompactAllAsync_SmallAppends_MergedIntoFullChunksWithPointsAndVersionsUnchanged()
    {
        var (run, writer) = await NewRunAsync("appends");
        await AppendAsync(writer, run, 1, 0, 1000, 10);
        var before = await ReadScalarsAsync(db.DataSource, run, "loss");
        var versions = await VersionsAsync(db.DataSource, run);
        Assert.Equal(100L, await ChunkCountAsync(run));

        var merged = await ScalarChunkCompactor.CompactAllAsync(db.DataSource, _ct);

        Assert.True(merged >= 100, $"{merged} rows merged");
        // 1000 points in runs of at most 256: 250 + 250 + 250 + 250 (ten-point rows fill a chunk to 250).
        Assert.Equal(4L, await ChunkCountAsync(run));
        Assert.Equal(before, await ReadScalarsAsync(db.DataSource, run, "loss"));
        Assert.Equal(versions, await VersionsAsync(db.DataSource, run));
        Assert.Equal((1000L, 0L, 999L), await SeriesStatsAsync(db.DataSource, run, "loss"));
    }

    [Fact]
    public async Task CompactOnceAsync_SeriesLockedByACommit_SkippedWithoutWaiting()
    {
        var (run, writer) = await NewRunAsync("locked");
        await AppendAsync(writer, run, 1, 0, 50, 5);

        await using (var connection = await db.DataSource.OpenConnectionAsync(_ct))
        await using (var transaction = await connection.BeginTransactionAsync(_ct))
        {
            await using (var lockRow = connection.CreateCommand())
            {
                lockRow.CommandText = $"SELECT 1 FROM series WHERE run_id = {run} FOR UPDATE";
                await lockRow.ExecuteScalarAsync(_ct);
            }

            var pass = await ScalarChunkCompactor.CompactOnceAsync(db.DataSource, _ct);

            Assert.True(pass.SkippedSeries >= 1);
            Assert.Equal(10L, await ChunkCountAsync(run));
        }

        Assert.True((await ScalarChunkCompactor.CompactOnceAsync(db.DataSource, _ct)).Rows >= 10);
        Assert.Equal(1L, await ChunkCountAsync(run));
        Assert.Equal(Enumerable.Range(0, 50).Select(s => (long)s), (await ReadScalarsAsync(db.DataSource, run, "loss")).Select(p => p.Step));
    }

    [Fact]
    public async Task CompactAllAsync_LegacyRowsBetweenChunks_ConvertedAndMergedInStepOrder()
    {
        var (run, writer) = await NewRunAsync("legacy");
        await AppendAsync(writer, run, 1, 0, 3, 3);
        var seriesId = await ScalarAsync(db.DataSource, "SELECT series_id FROM series WHERE run_id = $1", run);
        await ScalarAsync(
            db.DataSource,
            """
            WITH i AS (INSERT INTO scalar_points (series_id, step, wall_time, value) SELECT $1, s, 1.0, s FROM generate_series(3, 599) s)
            UPDATE series SET point_count = 600, max_step = 599 WHERE series_id = $1 RETURNING 1
            """,
            seriesId);

        var converted = await ScalarChunkCompactor.ConvertLegacyAsync(db.DataSource, null, _ct);

        Assert.Equal(597L, converted);
        Assert.Equal(0L, await ScalarAsync(db.DataSource, "SELECT count(*) FROM scalar_points"));
        var points = await ReadScalarsAsync(db.DataSource, run, "loss");
        Assert.Equal(Enumerable.Range(0, 600).Select(s => (long)s), points.Select(p => p.Step));
        Assert.Equal([0.0, 0.5, 1.0, 3.0], points.Take(4).Select(p => p.Value));
        Assert.Equal(3L, await ChunkCountAsync(run));
    }

    private Task<long> ChunkCountAsync(long run) => ScalarAsync(
        db.DataSource,
        "SELECT count(*) FROM scalar_chunks c JOIN series s USING (series_id) WHERE s.run_id = $1",
        run);
}
