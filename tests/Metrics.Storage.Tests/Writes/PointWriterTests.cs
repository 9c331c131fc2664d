using Metrics.Storage.Writes;
using Metrics.Testing;
using static Metrics.Storage.Tests.Writes.WriteTestData;
using static Metrics.Testing.StoredData;

namespace Metrics.Storage.Tests.Writes;

public sealed class PointWriterTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private readonly CancellationToken _ct = CancellationToken.None;

    private async Task<long> NewRunAsync(string name, string writer = "w1", long? restart = null)
    {
        var store = new RunStore(db.DataSource);
        var project = await store.EnsureProjectAsync("writes", _ct);
        return (await store.OpenRunAsync(project, name, writer, restartAtStep: restart, cancellationToken: _ct)).RunId;
    }

    [Fact]
    public async Task WriteAsync_NewSeries_StoresPointsAndCounts()
    {
        var run = await NewRunAsync("basic");
        var writer = new PointWriter(db.DataSource);

        var result = await writer.WriteAsync(new WriteBatch
        {
            RunId = run, WriterId = "w1", Seq = 1,
            Metadata = [Scalar("loss")],
            Scalars = [Points("loss", (2, 0.5), (1, 1.0), (3, double.NaN))],
        }, _ct);

        Assert.Equal(BatchOutcome.Committed, result.Outcome);
        var points = await ReadScalarsAsync(db.DataSource, run, "loss");
        Assert.Equal([1L, 2L, 3L], points.Select(p => p.Step));
        Assert.True(double.IsNaN(points[2].Value));
        Assert.Equal((3L, 1L, 3L), await SeriesStatsAsync(db.DataSource, run, "loss"));
        Assert.Equal(1L, await ScalarAsync(db.DataSource, "SELECT last_seq FROM writers WHERE run_id = $1", run));
    }

    [Fact]
    public async Task WriteAsync_SameSeqTwice_SecondIsAlreadyCommittedAndNotStored()
    {
        var run = await NewRunAsync("dup");
        var writer = new PointWriter(db.DataSource);
        var batch = new WriteBatch { RunId = run, WriterId = "w1", Seq = 1, Metadata = [Scalar("x")], Scalars = [Points("x", (1, 1))] };

        await writer.WriteAsync(batch, _ct);
        var again = await writer.WriteAsync(batch, _ct);

        Assert.Equal(BatchOutcome.AlreadyCommitted, again.Outcome);
        Assert.Equal((1L, 1L, 1L), await SeriesStatsAsync(db.DataSource, run, "x"));
    }

    [Fact]
    public async Task CommitAsync_LaterWriteOfSameStep_ReplacesAndBumpsRewriteVersion()
    {
        var run = await NewRunAsync("replace");
        var writer = new PointWriter(db.DataSource);
        await writer.WriteAsync(new WriteBatch { RunId = run, WriterId = "w1", Seq = 1, Metadata = [Scalar("x")], Scalars = [Points("x", (1, 1), (2, 2))] }, _ct);
        var before = await VersionsAsync(db.DataSource, run);

        var result = await writer.CommitAsync(
        [
            new WriteBatch { RunId = run, WriterId = "w1", Seq = 2, Scalars = [Points("x", (2, 20), (3, 3))] },
            new WriteBatch { RunId = run, WriterId = "w1", Seq = 3, Scalars = [Points("x", (3, 30))] },
        ], _ct);

        Assert.True(result.UsedSlowPath);
        Assert.Equal([(1L, 1.0), (2L, 20.0), (3L, 30.0)], await ReadScalarsAsync(db.DataSource, run, "x"));
        Assert.Equal((3L, 1L, 3L), await SeriesStatsAsync(db.DataSource, run, "x"));
        var after = await VersionsAsync(db.DataSource, run);
        Assert.Equal(before.Data + 1, after.Data);
        Assert.Equal(before.Rewrite + 1, after.Rewrite);
    }

    [Fact]
    public async Task CommitAsync_AppendOnly_BumpsDataVersionOnly()
    {
        var run = await NewRunAsync("append");
        var writer = new PointWriter(db.DataSource);
        await writer.WriteAsync(new WriteBatch { RunId = run, WriterId = "w1", Seq = 1, Metadata = [Scalar("x")], Scalars = [Points("x", (1, 1))] }, _ct);
        var before = await VersionsAsync(db.DataSource, run);

        var result = await writer.CommitAsync([new WriteBatch { RunId = run, WriterId = "w1", Seq = 2, Scalars = [Points("x", (2, 2))] }], _ct);

        Assert.False(result.UsedSlowPath);
        var after = await VersionsAsync(db.DataSource, run);
        Assert.Equal((before.Data + 1, before.Rewrite), after);
    }

    [Fact]
    public async Task CommitAsync_RestartInBatch_DeletesLaterStepsBeforeItsPoints()
    {
        var run = await NewRunAsync("restart");
        var writer = new PointWriter(db.DataSource);
        await writer.WriteAsync(new WriteBatch { RunId = run, WriterId = "w1", Seq = 1, Metadata = [Scalar("a"), Scalar("b")], Scalars = [Points("a", (1, 1), (5, 5), (9, 9)), Points("b", (6, 6))] }, _ct);

        await writer.CommitAsync(
        [
            new WriteBatch { RunId = run, WriterId = "w1", Seq = 2, Scalars = [Points("a", (10, 10))] },
            new WriteBatch { RunId = run, WriterId = "w1", Seq = 3, RestartAtStep = 5, Scalars = [Points("a", (7, 70))] },
        ], _ct);

        Assert.Equal([(1L, 1.0), (7L, 70.0)], await ReadScalarsAsync(db.DataSource, run, "a"));
        Assert.Empty(await ReadScalarsAsync(db.DataSource, run, "b"));
        Assert.Equal((2L, 1L, 7L), await SeriesStatsAsync(db.DataSource, run, "a"));
        Assert.Equal((0L, null, null), await SeriesStatsAsync(db.DataSource, run, "b"));
        Assert.Equal(1L, (await VersionsAsync(db.DataSource, run)).Rewrite);
    }

    [Fact]
    public async Task CommitAsync_WritersBatchesOutOfSeqOrder_CommitsThemInSeqOrderAndAnswersInCallersOrder()
    {
        // Two streams of one writer (a reconnect while the old stream's batch was queued for a retry)
        // put seq 3 before seq 2 in one group commit.
        var run = await NewRunAsync("seq-order");
        var other = await NewRunAsync("seq-order-other");
        var writer = new PointWriter(db.DataSource);
        await writer.WriteAsync(new WriteBatch { RunId = run, WriterId = "w1", Seq = 1, Metadata = [Scalar("x")], Scalars = [Points("x", (1, 1))] }, _ct);

        var result = await writer.CommitAsync(
        [
            new WriteBatch { RunId = run, WriterId = "w1", Seq = 3, Scalars = [Points("x", (3, 30), (4, 4))] },
            new WriteBatch { RunId = other, WriterId = "w1", Seq = 1, Metadata = [Scalar("y")], Scalars = [Points("y", (1, 1))] },
            new WriteBatch { RunId = run, WriterId = "w1", Seq = 2, Scalars = [Points("x", (2, 2), (3, 3))] },
            new WriteBatch { RunId = run, WriterId = "w1", Seq = 5, Scalars = [Points("x", (5, 5))] },
        ], _ct);

        Assert.Equal(
            [BatchOutcome.Committed, BatchOutcome.Committed, BatchOutcome.Committed, BatchOutcome.Rejected],
            result.Batches.Select(b => b.Outcome));
        Assert.Equal("batch.seq", result.Batches[3].Field);
        Assert.Contains("the next seq of writer 'w1' is 4", result.Batches[3].Message, StringComparison.Ordinal);

        // Step 3 written by both: seq 3's value, the later write, stands.
        Assert.Equal([(1L, 1.0), (2L, 2.0), (3L, 30.0), (4L, 4.0)], await ReadScalarsAsync(db.DataSource, run, "x"));
        Assert.Equal(3L, await ScalarAsync(db.DataSource, "SELECT last_seq FROM writers WHERE run_id = $1", run));
        Assert.Equal([(1L, 1.0)], await ReadScalarsAsync(db.DataSource, other, "y"));
    }

    [Fact]
    public async Task CommitAsync_MismatchedDataClass_RejectsOnlyThatBatch()
    {
        var run = await NewRunAsync("mismatch");
        var other = await NewRunAsync("mismatch-other");
        var writer = new PointWriter(db.DataSource);
        await writer.WriteAsync(new WriteBatch { RunId = run, WriterId = "w1", Seq = 1, Metadata = [Scalar("x")], Scalars = [Points("x", (1, 1))] }, _ct);

        var result = await writer.CommitAsync(
        [
            new WriteBatch { RunId = run, WriterId = "w1", Seq = 2, Metadata = [new SeriesDefinition("x", SeriesDataClass.Tensor, "histograms", [])] },
            new WriteBatch { RunId = run, WriterId = "w1", Seq = 3, Scalars = [Points("x", (2, 2))] },
            new WriteBatch { RunId = other, WriterId = "w1", Seq = 1, Metadata = [Scalar("y")], Scalars = [Points("y", (1, 1))] },
        ], _ct);

        Assert.Equal(BatchOutcome.Rejected, result.Batches[0].Outcome);
        Assert.Equal("batch.metadata[0].data_class", result.Batches[0].Field);
        Assert.Equal(BatchOutcome.Rejected, result.Batches[1].Outcome);
        Assert.Equal(BatchOutcome.Committed, result.Batches[2].Outcome);
        Assert.Equal([(1L, 1.0)], await ReadScalarsAsync(db.DataSource, run, "x"));
        Assert.Equal(1L, await ScalarAsync(db.DataSource, "SELECT last_seq FROM writers WHERE run_id = $1", run));
    }

    [Fact]
    public async Task CommitAsync_PointWithoutSeries_RejectsNamingTheTag()
    {
        var run = await NewRunAsync("noseries");
        var writer = new PointWriter(db.DataSource);

        var ex = await Assert.ThrowsAsync<WriteRejectedException>(() =>
            writer.WriteAsync(new WriteBatch { RunId = run, WriterId = "w1", Seq = 1, Scalars = [Points("x", (1, 1))] }, _ct));

        Assert.Equal("batch.scalars[0].tag", ex.Field);
        Assert.Equal(0L, await ScalarAsync(db.DataSource, "SELECT count(*) FROM series WHERE run_id = $1", run));
    }

    [Fact]
    public async Task CommitAsync_SeqSkipsAhead_Rejected()
    {
        var run = await NewRunAsync("gap");
        var writer = new PointWriter(db.DataSource);

        var result = await writer.CommitAsync([new WriteBatch { RunId = run, WriterId = "w1", Seq = 2, Metadata = [Scalar("x")] }], _ct);

        Assert.Equal("batch.seq", result.Batches[0].Field);
    }

    [Fact]
    public async Task CommitAsync_TensorsAndBlobs_StoredWithChunkedBlobAssembled()
    {
        var run = await NewRunAsync("kinds");
        var writer = new PointWriter(db.DataSource);
        var big = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var sha = System.Security.Cryptography.SHA256.HashData(big);

        await writer.WriteAsync(new WriteBatch
        {
            RunId = run, WriterId = "w1", Seq = 1,
            BlobChunks = [new BlobChunkData(sha, 0, big[..600])],
        }, _ct);
        Assert.Equal(1L, await ScalarAsync(db.DataSource, "SELECT count(*) FROM blob_chunks WHERE run_id = $1", run));

        await writer.WriteAsync(new WriteBatch
        {
            RunId = run, WriterId = "w1", Seq = 2,
            Metadata = [new SeriesDefinition("h", SeriesDataClass.Tensor, "histograms", []), new SeriesDefinition("img", SeriesDataClass.BlobSequence, "images", [])],
            Tensors = [new TensorPointData("h", 1, 1.5, 2, [1, 3], [1, 2, 3])],
            Blobs = [new BlobPointData("img", 1, 1.5, [BlobValue.Inline([1, 2]), BlobValue.Chunked(sha, big.Length)])],
            BlobChunks = [new BlobChunkData(sha, 600, big[600..])],
        }, _ct);

        Assert.Equal(0L, await ScalarAsync(db.DataSource, "SELECT count(*) FROM blob_chunks WHERE run_id = $1", run));
        Assert.Equal(1000L, await ScalarAsync(db.DataSource, "SELECT size FROM blobs WHERE sha256 = $1", sha));
        Assert.Equal(2L, await ScalarAsync(db.DataSource, "SELECT cardinality(blob_keys) FROM blob_points p JOIN series s USING (series_id) WHERE s.run_id = $1", run));
        Assert.Equal(1L, await ScalarAsync(db.DataSource, "SELECT count(*) FROM tensor_points p JOIN series s USING (series_id) WHERE s.run_id = $1 AND p.shape = '{1,3}'", run));
    }

    [Fact]
    public async Task CommitAsync_ChunkedBlobWithBadHash_Rejected()
    {
        var run = await NewRunAsync("badhash");
        var writer = new PointWriter(db.DataSource);
        var sha = new byte[32];

        var result = await writer.CommitAsync([new WriteBatch
        {
            RunId = run, WriterId = "w1", Seq = 1,
            Metadata = [new SeriesDefinition("img", SeriesDataClass.BlobSequence, "images", [])],
            Blobs = [new BlobPointData("img", 1, 1.5, [BlobValue.Chunked(sha, 4)])],
            BlobChunks = [new BlobChunkData(sha, 0, [1, 2, 3, 4])],
        }], _ct);

        Assert.Equal("batch.blobs[0].blobs[0].chunked.sha256", result.Batches[0].Field);
        Assert.Equal(0L, await ScalarAsync(db.DataSource, "SELECT count(*) FROM blob_chunks"));
    }
}
