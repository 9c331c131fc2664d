using System.Security.Cryptography;
using Metrics.Storage.Writes;
using Metrics.Testing;
using Npgsql;
using static Metrics.Testing.StoredData;

namespace Metrics.Storage.Tests.Writes;

public sealed class BlobChunkCleanerTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly TimeSpan Age = TimeSpan.FromDays(7);
    private readonly CancellationToken _ct = CancellationToken.None;

    [Fact]
    public async Task DeleteOrphansAsync_IdleWritersChunks_DeletedFreshAndCompletedKept()
    {
        var run = await NewRunAsync("orphans", "gone", "active", "done", "late");
        var writer = new PointWriter(db.DataSource);
        var (a, b, c) = (Blob(1), Blob(2), Blob(3));
        await SendFirstChunkAsync(writer, run, "gone", a);
        await SendFirstChunkAsync(writer, run, "active", b);
        await SendFirstChunkAsync(writer, run, "done", c);
        await SendPointWithLastChunkAsync(writer, run, "done", 2, c);
        // Another writer uploading the same content, which was stored meanwhile, and never finishing.
        await SendFirstChunkAsync(writer, run, "late", c);
        await BackdateAsync(run, "gone", "done", "late");

        var result = await new BlobChunkCleaner(db.DataSource).DeleteOrphansAsync(Age, _ct);

        Assert.True(result.Chunks >= 2, result.ToString());
        Assert.Equal(0L, await ChunksAsync(run, "gone"));
        Assert.Equal(0L, await ChunksAsync(run, "late"));
        Assert.Equal(1L, await ChunksAsync(run, "active"));
        Assert.Equal(1000L, await ScalarAsync(db.DataSource, "SELECT size FROM blobs WHERE sha256 = $1", c.Sha));
        Assert.Equal(1L, await ScalarAsync(db.DataSource, "SELECT count(*) FROM blob_points p JOIN series s USING (series_id) WHERE s.run_id = $1", run));
        var completed = await writer.WriteAsync(PointWithLastChunk(run, "active", 2, b), _ct);
        Assert.Equal(BatchOutcome.Committed, completed.Outcome);
        Assert.Equal(1000L, await ScalarAsync(db.DataSource, "SELECT size FROM blobs WHERE sha256 = $1", b.Sha));
    }

    [Fact]
    public async Task DeleteOrphansAsync_WriterCommitInProgress_KeepsItsChunksUntilItEnds()
    {
        var run = await NewRunAsync("in-progress", "busy");
        await SendFirstChunkAsync(new PointWriter(db.DataSource), run, "busy", Blob(4));
        await BackdateAsync(run, "busy");
        var cleaner = new BlobChunkCleaner(db.DataSource);

        await using (var connection = await db.DataSource.OpenConnectionAsync(_ct))
        await using (var transaction = await connection.BeginTransactionAsync(_ct))
        {
            // What PointWriter does first in a commit of this writer.
            await using var claim = new NpgsqlCommand("SELECT last_seq FROM writers WHERE run_id = $1 AND writer_id = 'busy' FOR UPDATE", connection, transaction);
            claim.Parameters.Add(new NpgsqlParameter<long> { TypedValue = run });
            await claim.ExecuteScalarAsync(_ct);

            await cleaner.DeleteOrphansAsync(Age, _ct);

            Assert.Equal(1L, await ChunksAsync(run, "busy"));
        }

        await cleaner.DeleteOrphansAsync(Age, _ct);

        Assert.Equal(0L, await ChunksAsync(run, "busy"));
    }

    [Fact]
    public async Task DeleteOrphansAsync_TwoReplicasAtOnce_EachChunkDeletedOnce()
    {
        var run = await NewRunAsync("replicas", "r1", "r2", "r3");
        var writer = new PointWriter(db.DataSource);
        foreach (var (id, seed) in new[] { ("r1", 5), ("r2", 6), ("r3", 7) })
        {
            await SendFirstChunkAsync(writer, run, id, Blob(seed));
        }

        await BackdateAsync(run, "r1", "r2", "r3");

        var results = await Task.WhenAll(
            new BlobChunkCleaner(db.DataSource).DeleteOrphansAsync(Age, _ct),
            new BlobChunkCleaner(db.DataSource).DeleteOrphansAsync(Age, _ct));

        Assert.Equal(3L, results.Sum(r => r.Chunks));
        Assert.Equal(3L * 600, results.Sum(r => r.Bytes));
        Assert.Equal(0L, await ScalarAsync(db.DataSource, "SELECT count(*) FROM blob_chunks WHERE run_id = $1", run));
    }

    [Fact]
    public async Task DeleteOrphansAsync_RunDeleted_ItsChunksDeleted()
    {
        var run = await NewRunAsync("deleted-run", "w");
        await SendFirstChunkAsync(new PointWriter(db.DataSource), run, "w", Blob(8));
        await ScalarAsync(db.DataSource, "WITH d AS (DELETE FROM runs WHERE run_id = $1 RETURNING 1) SELECT count(*) FROM d", run);

        await new BlobChunkCleaner(db.DataSource).DeleteOrphansAsync(Age, _ct);

        Assert.Equal(0L, await ScalarAsync(db.DataSource, "SELECT count(*) FROM blob_chunks WHERE run_id = $1", run));
    }

    private static (byte[] Content, byte[] Sha) Blob(int seed)
    {
        var content = Enumerable.Range(0, 1000).Select(i => (byte)(i * seed)).ToArray();
        return (content, SHA256.HashData(content));
    }

    private static WriteBatch PointWithLastChunk(long run, string writerId, long seq, (byte[] Content, byte[] Sha) blob) => new()
    {
        RunId = run, WriterId = writerId, Seq = seq,
        Metadata = [new SeriesDefinition("img/" + writerId, SeriesDataClass.BlobSequence, "images", [])],
        Blobs = [new BlobPointData("img/" + writerId, 1, 1.5, [BlobValue.Chunked(blob.Sha, blob.Content.Length)])],
        BlobChunks = [new BlobChunkData(blob.Sha, 600, blob.Content[600..])],
    };

    private async Task SendFirstChunkAsync(PointWriter writer, long run, string writerId, (byte[] Content, byte[] Sha) blob) =>
        await writer.WriteAsync(new WriteBatch { RunId = run, WriterId = writerId, Seq = 1, BlobChunks = [new BlobChunkData(blob.Sha, 0, blob.Content[..600])] }, _ct);

    private async Task SendPointWithLastChunkAsync(PointWriter writer, long run, string writerId, long seq, (byte[] Content, byte[] Sha) blob) =>
        await writer.WriteAsync(PointWithLastChunk(run, writerId, seq, blob), _ct);

    private async Task<long> NewRunAsync(string name, params string[] writers)
    {
        var store = new RunStore(db.DataSource);
        var project = await store.EnsureProjectAsync("chunks", _ct);
        long run = 0;
        foreach (var writer in writers)
        {
            run = (await store.OpenRunAsync(project, name, writer, cancellationToken: _ct)).RunId;
        }

        return run;
    }

    /// <summary>As if the writers' last commit were eight days ago.</summary>
    private async Task BackdateAsync(long run, params string[] writers)
    {
        await using var command = db.DataSource.CreateCommand("UPDATE writers SET last_write_at = now() - interval '8 days' WHERE run_id = $1 AND writer_id = ANY($2)");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = run });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = writers });
        Assert.Equal(writers.Length, await command.ExecuteNonQueryAsync(_ct));
    }

    private Task<long> ChunksAsync(long run, string writer) =>
        ScalarAsync(db.DataSource, "SELECT count(*) FROM blob_chunks WHERE run_id = $1 AND writer_id = $2", run, writer);
}
