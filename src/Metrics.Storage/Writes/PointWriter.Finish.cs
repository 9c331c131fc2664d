using Metrics.Storage.Writes.Internal;
using Npgsql;

namespace Metrics.Storage.Writes;

public sealed partial class PointWriter
{
    /// <summary>
    /// In one round trip: writes the counts and step ranges of the series the last segment changed,
    /// stores the new blobs and the chunks still waiting for their point, drops the chunks of
    /// completed blobs, moves each writer's last_seq (guarded by last_seq = first-1), bumps the
    /// runs' versions and notifies listeners at commit.
    /// </summary>
    private static async Task FinishAsync(NpgsqlConnection connection, CommitState state, CancellationToken cancellationToken)
    {
        var live = state.LiveIndexes().Select(i => state.Batches[i]).ToList();
        await using var batch = new NpgsqlBatch(connection);
        if (SeriesUpdate(state) is { } seriesUpdate)
        {
            batch.BatchCommands.Add(seriesUpdate);
        }

        var blobs = new Dictionary<byte[], (long Size, byte[] Content)>(ByteArrayComparer.Instance);
        var completed = new HashSet<(WriterKey Writer, byte[] Sha256)>(WriterShaComparer.Instance);
        foreach (var b in live)
        {
            foreach (var blob in b.Blobs.SelectMany(p => p.Blobs))
            {
                if (state.BlobContents.TryGetValue(blob.Sha256, out var content))
                {
                    blobs.TryAdd(blob.Sha256, content);
                }

                if (blob.IsChunked)
                {
                    completed.Add((new WriterKey(b.RunId, b.WriterId), blob.Sha256));
                }
            }
        }

        if (blobs.Count > 0)
        {
            var sorted = blobs.OrderBy(b => Convert.ToHexString(b.Key), StringComparer.Ordinal).ToList();
            var command = new NpgsqlBatchCommand(
                """
                INSERT INTO blobs (sha256, size, content)
                SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::bytea[])
                ON CONFLICT (sha256) DO NOTHING
                """);
            command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. sorted.Select(b => b.Key)] });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. sorted.Select(b => b.Value.Size)] });
            command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. sorted.Select(b => b.Value.Content)] });
            batch.BatchCommands.Add(command);
        }

        if (completed.Count > 0)
        {
            var command = new NpgsqlBatchCommand(
                """
                DELETE FROM blob_chunks c
                USING unnest($1::bigint[], $2::text[], $3::bytea[]) AS k(run_id, writer_id, sha256)
                WHERE c.run_id = k.run_id AND c.writer_id = k.writer_id AND c.sha256 = k.sha256
                """);
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. completed.Select(c => c.Writer.RunId)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. completed.Select(c => c.Writer.WriterId)] });
            command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. completed.Select(c => c.Sha256)] });
            batch.BatchCommands.Add(command);
        }

        var waiting = live
            .SelectMany(b => b.BlobChunks.Select(c => (Writer: new WriterKey(b.RunId, b.WriterId), Chunk: c)))
            .Where(c => !completed.Contains((c.Writer, c.Chunk.Sha256)))
            .ToList();
        if (waiting.Count > 0)
        {
            var command = new NpgsqlBatchCommand(
                """
                INSERT INTO blob_chunks (run_id, writer_id, sha256, "offset", data)
                SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[], $4::bigint[], $5::bytea[])
                ON CONFLICT (run_id, writer_id, sha256, "offset") DO UPDATE SET data = EXCLUDED.data
                """);
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. waiting.Select(c => c.Writer.RunId)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. waiting.Select(c => c.Writer.WriterId)] });
            command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. waiting.Select(c => c.Chunk.Sha256)] });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. waiting.Select(c => c.Chunk.Offset)] });
            command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. waiting.Select(c => c.Chunk.Data)] });
            batch.BatchCommands.Add(command);
        }

        var writers = live
            .GroupBy(b => new WriterKey(b.RunId, b.WriterId))
            .Select(g => (Key: g.Key, First: g.Min(b => b.Seq), Last: g.Max(b => b.Seq), Points: g.Sum(b => (long)b.PointCount)))
            .OrderBy(w => w.Key.RunId).ThenBy(w => w.Key.WriterId, StringComparer.Ordinal)
            .ToList();
        var writersUpdate = new NpgsqlBatchCommand(
            """
            UPDATE writers w SET last_seq = v.last_seq, points = w.points + v.points, last_write_at = now()
            FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[]) AS v(run_id, writer_id, first_seq, last_seq, points)
            WHERE w.run_id = v.run_id AND w.writer_id = v.writer_id AND w.last_seq = v.first_seq - 1
            """);
        writersUpdate.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. writers.Select(w => w.Key.RunId)] });
        writersUpdate.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. writers.Select(w => w.Key.WriterId)] });
        writersUpdate.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. writers.Select(w => w.First)] });
        writersUpdate.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. writers.Select(w => w.Last)] });
        writersUpdate.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. writers.Select(w => w.Points)] });
        batch.BatchCommands.Add(writersUpdate);

        var runs = live.Select(b => b.RunId).Concat(state.RewrittenRuns).Distinct().Order().ToList();
        var runsUpdate = new NpgsqlBatchCommand(
            """
            UPDATE runs r SET data_version = r.data_version + 1,
                              rewrite_version = r.rewrite_version + v.rewrites,
                              last_write_at = now()
            FROM unnest($1::bigint[], $2::bigint[]) AS v(run_id, rewrites)
            WHERE r.run_id = v.run_id
            """);
        runsUpdate.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. runs] });
        runsUpdate.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. runs.Select(r => state.RewrittenRuns.Contains(r) ? 1L : 0L)] });
        batch.BatchCommands.Add(runsUpdate);

        var notify = new NpgsqlBatchCommand("SELECT pg_notify('" + CommitNotifications.Channel + "', r::text) FROM unnest($1::bigint[]) AS r");
        notify.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. runs] });
        batch.BatchCommands.Add(notify);

        await batch.ExecuteNonQueryAsync(cancellationToken);
        if (writersUpdate.RecordsAffected != writers.Count)
        {
            // Cannot happen while the writers rows are locked; refuse to commit rather than double-store.
            throw new InvalidOperationException($"writers moved under a lock: {writersUpdate.RecordsAffected} of {writers.Count} rows updated");
        }
    }
}
