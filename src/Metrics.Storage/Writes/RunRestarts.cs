using Npgsql;

namespace Metrics.Storage.Writes;

/// <summary>
/// A restart at step S (resume from a checkpoint, TensorBoard's SessionLog START): the run's points
/// at step ≥ S are deleted from all three point tables, the series' counts and step ranges fixed,
/// and rewrite_version bumped so exported files are rewritten rather than appended to.
/// </summary>
internal static class RunRestarts
{
    /// <summary>Applies the restart; with <paramref name="bumpRun"/> also bumps the run's versions and notifies (else the caller does).</summary>
    public static async Task ApplyAsync(NpgsqlConnection connection, long runId, long step, bool bumpRun, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        // Series rows are locked in id order, as PointWriter does, so the two never deadlock.
        var delete = new NpgsqlBatchCommand(
            """
            WITH s AS (
                SELECT series_id FROM series WHERE run_id = $1 AND max_step >= $2 ORDER BY series_id FOR UPDATE
            ),
            d1 AS (DELETE FROM scalar_points p USING s WHERE p.series_id = s.series_id AND p.step >= $2 RETURNING p.series_id),
            d2 AS (DELETE FROM tensor_points p USING s WHERE p.series_id = s.series_id AND p.step >= $2 RETURNING p.series_id),
            d3 AS (DELETE FROM blob_points p USING s WHERE p.series_id = s.series_id AND p.step >= $2 RETURNING p.series_id),
            d AS (
                SELECT series_id, count(*) AS n
                FROM (SELECT series_id FROM d1 UNION ALL SELECT series_id FROM d2 UNION ALL SELECT series_id FROM d3) x
                GROUP BY series_id
            )
            UPDATE series ser SET point_count = ser.point_count - d.n FROM d WHERE ser.series_id = d.series_id
            """);
        delete.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        delete.Parameters.Add(new NpgsqlParameter<long> { TypedValue = step });
        batch.BatchCommands.Add(delete);

        // A separate statement, so the subqueries see the deletions above.
        var ranges = new NpgsqlBatchCommand(
            """
            UPDATE series s SET
                min_step = CASE WHEN s.min_step >= $2 THEN NULL ELSE s.min_step END,
                max_step = CASE s.data_class
                    WHEN 1 THEN (SELECT max(step) FROM scalar_points p WHERE p.series_id = s.series_id)
                    WHEN 2 THEN (SELECT max(step) FROM tensor_points p WHERE p.series_id = s.series_id)
                    ELSE (SELECT max(step) FROM blob_points p WHERE p.series_id = s.series_id)
                END
            WHERE s.run_id = $1 AND s.max_step >= $2
            """);
        ranges.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        ranges.Parameters.Add(new NpgsqlParameter<long> { TypedValue = step });
        batch.BatchCommands.Add(ranges);

        if (!bumpRun)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
            return;
        }

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
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
