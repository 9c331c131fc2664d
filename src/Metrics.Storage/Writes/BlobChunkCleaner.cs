using Npgsql;

namespace Metrics.Storage.Writes;

/// <summary>
/// Removes blob_chunks rows that no point will ever use: a chunk is stored until the point that
/// references its blob commits (which deletes it), so chunks stay behind only when a writer sent
/// part of an upload and never came back. A writer's chunks are orphans once the writer has
/// committed nothing for <c>age</c> (every chunk arrives in one of its commits, so each is at least
/// that old and no upload of it is in progress), or once its writers row is gone with its run.
/// </summary>
public sealed class BlobChunkCleaner(NpgsqlDataSource dataSource)
{
    // Any fixed number works; it only has to be the same for every ingest replica.
    private const long CleanupLockKey = 0x4D45_5452_4943_5302;

    /// <summary>
    /// Deletes the chunks of writers idle for longer than <paramref name="age"/> in one statement.
    /// Replicas take turns through an advisory lock (a replica that finds it held skips this pass);
    /// writers rows are locked with SKIP LOCKED, so a writer whose commit is running right now keeps its chunks.
    /// </summary>
    public async Task<ChunkCleanupResult> DeleteOrphansAsync(TimeSpan age, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(age, TimeSpan.Zero);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock($1)", connection, transaction))
        {
            tryLock.Parameters.Add(new NpgsqlParameter<long> { TypedValue = CleanupLockKey });
            if (!(bool)(await tryLock.ExecuteScalarAsync(cancellationToken))!)
            {
                return new ChunkCleanupResult(0, 0, 0, Skipped: true);
            }
        }

        ChunkCleanupResult result;
        // The writers row is what a commit locks first (PointWriter.ClaimSeqs), so holding it here
        // means no commit of that writer can read or store its chunks until this one is done.
        await using (var delete = new NpgsqlCommand(
            """
            WITH idle AS (
                SELECT w.run_id, w.writer_id
                FROM writers w
                WHERE w.last_write_at < now() - $1
                  AND EXISTS (SELECT 1 FROM blob_chunks c WHERE c.run_id = w.run_id AND c.writer_id = w.writer_id)
                FOR UPDATE OF w SKIP LOCKED
            ),
            deleted AS (
                DELETE FROM blob_chunks c
                WHERE (c.run_id, c.writer_id) IN (SELECT run_id, writer_id FROM idle)
                   OR NOT EXISTS (SELECT 1 FROM writers w WHERE w.run_id = c.run_id AND w.writer_id = c.writer_id)
                RETURNING c.run_id, c.writer_id, octet_length(c.data) AS bytes
            )
            SELECT count(DISTINCT (run_id, writer_id)), count(*), coalesce(sum(bytes), 0)::bigint FROM deleted
            """, connection, transaction))
        {
            delete.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = age });
            await using var reader = await delete.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            result = new ChunkCleanupResult(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }

        await transaction.CommitAsync(cancellationToken);
        return result;
    }
}
