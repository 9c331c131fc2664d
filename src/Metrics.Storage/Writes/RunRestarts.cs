using Metrics.Storage.Chunks;
using Npgsql;

namespace Metrics.Storage.Writes;

/// <summary>
/// A restart at step S (resume from a checkpoint, TensorBoard's SessionLog START): the run's points
/// at step ≥ S are deleted (scalar chunks starting at or after S, the one chunk per series that
/// crosses S cut short, legacy scalar rows, tensor and blob points), the series' counts and step
/// ranges fixed, and rewrite_version bumped so exported files are rewritten rather than appended to.
/// </summary>
internal static class RunRestarts
{
    /// <summary>Applies the restart; with <paramref name="bumpRun"/> also bumps the run's versions and notifies (else the caller does).</summary>
    public static async Task ApplyAsync(NpgsqlConnection connection, long runId, long step, bool bumpRun, CancellationToken cancellationToken)
    {
        var crossing = await DeleteAsync(connection, runId, step, cancellationToken);

        // Each crossing chunk keeps its points before S; what it loses comes off its series' count.
        var truncated = new List<(long SeriesId, ScalarChunk Chunk)>(crossing.Count);
        var removed = new Dictionary<long, long>();
        var encoder = new ScalarChunkEncoder();
        foreach (var (seriesId, pointCount, data) in crossing)
        {
            var kept = ScalarChunkMerger.Truncate(data, step, encoder)
                ?? throw new InvalidOperationException($"scalar chunk of series {seriesId} crossing step {step} has no point before it");
            truncated.Add((seriesId, kept));
            removed[seriesId] = removed.GetValueOrDefault(seriesId) + pointCount - kept.Summary.Count;
        }

        if (truncated.Count > 0)
        {
            await ScalarChunkCopy.WriteAsync(connection, truncated, cancellationToken);
        }

        await using var batch = new NpgsqlBatch(connection);
        if (removed.Count > 0)
        {
            var counts = new NpgsqlBatchCommand(
                """
                UPDATE series s SET point_count = s.point_count - v.n
                FROM unnest($1::bigint[], $2::bigint[]) AS v(series_id, n)
                WHERE s.series_id = v.series_id
                """);
            counts.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. removed.Keys] });
            counts.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. removed.Values] });
            batch.BatchCommands.Add(counts);
        }

        // The last row of a scalar series (rows never overlap) holds its max step. Every series that
        // reaches S lost rows above, so its chunk_version moves (cached chunk summaries, docs/query.md).
        var ranges = new NpgsqlBatchCommand(
            """
            UPDATE series s SET
                chunk_version = s.chunk_version + 1,
                min_step = CASE WHEN s.min_step >= $2 THEN NULL ELSE s.min_step END,
                max_step = CASE s.data_class
                    WHEN 1 THEN (SELECT c.last_step FROM all_scalar_chunks c WHERE c.series_id = s.series_id ORDER BY c.first_step DESC LIMIT 1)
                    WHEN 2 THEN (SELECT max(step) FROM tensor_points p WHERE p.series_id = s.series_id)
                    ELSE (SELECT max(step) FROM blob_points p WHERE p.series_id = s.series_id)
                END
            WHERE s.run_id = $1 AND s.max_step >= $2
            """);
        ranges.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        ranges.Parameters.Add(new NpgsqlParameter<long> { TypedValue = step });
        batch.BatchCommands.Add(ranges);

        if (bumpRun)
        {
            var bump = new NpgsqlBatchCommand(
                """
                UPDATE runs SET rewrite_version = rewrite_version + 1, data_version = data_version + 1, last_write_at = now()
                WHERE run_id = $1
                """);
            bump.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
            batch.BatchCommands.Add(bump);

            var notify = new NpgsqlBatchCommand("SELECT pg_notify('" + CommitNotifications.Channel + "', $1::text)");
            notify.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
            batch.BatchCommands.Add(notify);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Locks the run's series that reach S (in id order, as PointWriter does, so the two never
    /// deadlock), then deletes every row wholly at or after S, and deletes and returns the scalar chunks
    /// that cross S (at most one per series: the last one starting before S).
    /// </summary>
    private static async Task<List<(long SeriesId, int PointCount, byte[] Data)>> DeleteAsync(NpgsqlConnection connection, long runId, long step, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);

        // The locks first, in a statement of their own: a statement that waits for a lock still reads
        // with the snapshot it took before waiting, so a DELETE in the same statement would miss the
        // chunks a compaction or commit holding the lock wrote meanwhile.
        var lockSeries = new NpgsqlBatchCommand("SELECT series_id FROM series WHERE run_id = $1 AND max_step >= $2 ORDER BY series_id FOR UPDATE");
        lockSeries.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        lockSeries.Parameters.Add(new NpgsqlParameter<long> { TypedValue = step });
        batch.BatchCommands.Add(lockSeries);

        var delete = new NpgsqlBatchCommand(
            """
            WITH s AS (
                SELECT series_id FROM series WHERE run_id = $1 AND max_step >= $2 ORDER BY series_id FOR UPDATE
            ),
            d0 AS (DELETE FROM scalar_chunks c USING s WHERE c.series_id = s.series_id AND c.first_step >= $2 RETURNING c.series_id, c.point_count::bigint AS n),
            d1 AS (DELETE FROM scalar_points p USING s WHERE p.series_id = s.series_id AND p.step >= $2 RETURNING p.series_id, 1::bigint AS n),
            d2 AS (DELETE FROM tensor_points p USING s WHERE p.series_id = s.series_id AND p.step >= $2 RETURNING p.series_id, 1::bigint AS n),
            d3 AS (DELETE FROM blob_points p USING s WHERE p.series_id = s.series_id AND p.step >= $2 RETURNING p.series_id, 1::bigint AS n),
            d AS (
                SELECT series_id, sum(n) AS n
                FROM (SELECT * FROM d0 UNION ALL SELECT * FROM d1 UNION ALL SELECT * FROM d2 UNION ALL SELECT * FROM d3) x
                GROUP BY series_id
            )
            UPDATE series ser SET point_count = ser.point_count - d.n FROM d WHERE ser.series_id = d.series_id
            """);
        delete.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        delete.Parameters.Add(new NpgsqlParameter<long> { TypedValue = step });
        batch.BatchCommands.Add(delete);

        // A separate statement, so it runs after the locks above are held.
        var crossing = new NpgsqlBatchCommand(
            """
            DELETE FROM scalar_chunks c USING series s
            WHERE s.run_id = $1 AND s.max_step >= $2 AND s.data_class = 1 AND c.series_id = s.series_id
              AND c.first_step = (SELECT max(x.first_step) FROM scalar_chunks x WHERE x.series_id = s.series_id AND x.first_step < $2)
              AND c.last_step >= $2
            RETURNING c.series_id, c.point_count, c.data
            """);
        crossing.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        crossing.Parameters.Add(new NpgsqlParameter<long> { TypedValue = step });
        batch.BatchCommands.Add(crossing);

        var rows = new List<(long, int, byte[])>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        // Past the locked series' ids to the crossing chunks (the DELETE in between returns nothing).
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetInt64(0), reader.GetInt32(1), reader.GetFieldValue<byte[]>(2)));
        }

        return rows;
    }
}
