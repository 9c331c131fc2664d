using Metrics.Storage.Writes.Internal;
using Npgsql;

namespace Metrics.Storage.Writes;

public sealed partial class PointWriter
{
    /// <summary>
    /// Locks the writers rows (in key order, so concurrent commits cannot deadlock on them) and
    /// sorts each batch into new, already committed, or a seq that skips ahead.
    /// </summary>
    private static async Task ClaimSeqsAsync(NpgsqlConnection connection, CommitState state, CancellationToken cancellationToken)
    {
        var keys = state.Batches.Select(b => new WriterKey(b.RunId, b.WriterId)).Distinct().ToList();
        var lastSeq = new Dictionary<WriterKey, long>(keys.Count);
        await using (var command = new NpgsqlCommand(
            """
            SELECT w.run_id, w.writer_id, w.last_seq
            FROM writers w
            JOIN unnest($1::bigint[], $2::text[]) AS k(run_id, writer_id)
              ON w.run_id = k.run_id AND w.writer_id = k.writer_id
            ORDER BY w.run_id, w.writer_id
            FOR UPDATE OF w
            """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. keys.Select(k => k.RunId)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. keys.Select(k => k.WriterId)] });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                lastSeq[new WriterKey(reader.GetInt64(0), reader.GetString(1))] = reader.GetInt64(2);
            }
        }

        var seen = new Dictionary<(WriterKey, long), int>();
        var nextSeq = new Dictionary<WriterKey, long>();
        for (var i = 0; i < state.Batches.Count; i++)
        {
            var batch = state.Batches[i];
            var key = new WriterKey(batch.RunId, batch.WriterId);
            if (!state.IsLive(i))
            {
                continue;
            }

            if (!lastSeq.TryGetValue(key, out var last))
            {
                state.Reject(i, "header.writer_id", $"writer '{batch.WriterId}' is not registered for run {batch.RunId}: open the run first");
                continue;
            }

            if (batch.Seq <= last)
            {
                state.MarkAlreadyCommitted(i);
                continue;
            }

            if (seen.TryGetValue((key, batch.Seq), out var original))
            {
                state.MarkDuplicateOf(i, original);
                continue;
            }

            var next = nextSeq.TryGetValue(key, out var expected) ? expected : last + 1;
            if (batch.Seq != next)
            {
                state.Reject(i, "batch.seq", $"seq {batch.Seq} skips ahead: the next seq of writer '{batch.WriterId}' is {next}");
                continue;
            }

            seen[(key, batch.Seq)] = i;
            nextSeq[key] = next + 1;
        }
    }
}
