using Metrics.Storage.Chunks;
using Metrics.Storage.Writes;
using Metrics.Testing;
using static Metrics.Storage.Tests.Writes.WriteTestData;
using static Metrics.Testing.StoredData;

namespace Metrics.Storage.Tests.Writes;

/// <summary>series.chunk_version moves with every change of a series' scalar chunk rows (what the query service's summary cache relies on).</summary>
public sealed class ChunkVersionTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private readonly CancellationToken _ct = CancellationToken.None;

    private async Task<(long Run, PointWriter Writer)> RunAsync(string name)
    {
        var store = new RunStore(db.DataSource);
        var project = await store.EnsureProjectAsync("chunk-version", _ct);
        var run = (await store.OpenRunAsync(project, name, "w1", restartAtStep: null, cancellationToken: _ct)).RunId;
        var writer = new PointWriter(db.DataSource);
        var result = await writer.WriteAsync(
            new WriteBatch
            {
                RunId = run,
                WriterId = "w1",
                Seq = 1,
                Metadata = [Scalar("loss"), Scalar("other")],
                Scalars = [Points("loss", [.. Enumerable.Range(0, 1000).Select(i => ((long)i, (double)i))]), Points("other", (0, 0))],
            },
            _ct);
        Assert.Equal(BatchOutcome.Committed, result.Outcome);
        return (run, writer);
    }

    private Task<long> VersionAsync(long run, string tag) =>
        ScalarAsync(db.DataSource, "SELECT chunk_version FROM series WHERE run_id = $1 AND tag = $2", run, tag);

    [Fact]
    public async Task CommitAsync_WriteOfASeries_BumpsItsChunkVersionOnly()
    {
        var (run, writer) = await RunAsync("write");
        var (loss, other) = (await VersionAsync(run, "loss"), await VersionAsync(run, "other"));
        Assert.True(loss > 0, "the first write created chunks without moving the version");

        await writer.CommitAsync([new WriteBatch { RunId = run, WriterId = "w1", Seq = 2, Scalars = [Points("loss", (500, 42))] }], _ct);

        Assert.Equal(loss + 1, await VersionAsync(run, "loss"));
        Assert.Equal(other, await VersionAsync(run, "other"));
    }

    [Fact]
    public async Task OpenRunAsync_Restart_BumpsTheChunkVersionOfEverySeriesReachingIt()
    {
        var (run, _) = await RunAsync("restart");
        var (loss, other) = (await VersionAsync(run, "loss"), await VersionAsync(run, "other"));
        var store = new RunStore(db.DataSource);
        var project = await store.EnsureProjectAsync("chunk-version", _ct);

        // A new writer restarting at 300, no point written: only the restart changes the rows of "loss" (cut at 300); "other" ends before it.
        await store.OpenRunAsync(project, "restart", "w2", restartAtStep: 300, cancellationToken: _ct);

        Assert.Equal([.. Enumerable.Range(0, 300).Select(i => ((long)i, (double)i))], await ReadScalarsAsync(db.DataSource, run, "loss"));
        Assert.True(await VersionAsync(run, "loss") > loss, "the restart cut the chunks of loss without moving its chunk_version");
        Assert.Equal(other, await VersionAsync(run, "other"));
    }

    [Fact]
    public async Task CompactAllAsync_MergingSmallChunks_BumpsTheChunkVersion()
    {
        var (run, writer) = await RunAsync("compaction");
        for (var seq = 2; seq <= 4; seq++)
        {
            await writer.CommitAsync([new WriteBatch { RunId = run, WriterId = "w1", Seq = seq, Scalars = [Points("other", (seq, seq))] }], _ct);
        }

        const string rows = "SELECT count(*) FROM scalar_chunks c JOIN series s USING (series_id) WHERE s.run_id = $1 AND s.tag = 'other'";
        Assert.Equal(4, await ScalarAsync(db.DataSource, rows, run));
        var before = await VersionAsync(run, "other");

        await ScalarChunkCompactor.CompactAllAsync(db.DataSource, _ct);

        Assert.Equal(1, await ScalarAsync(db.DataSource, rows, run));
        Assert.True(await VersionAsync(run, "other") > before, "the compaction rewrote the chunks of other without moving its chunk_version");
        Assert.Equal([(0L, 0.0), (2L, 2.0), (3L, 3.0), (4L, 4.0)], await ReadScalarsAsync(db.DataSource, run, "other"));
    }
}
