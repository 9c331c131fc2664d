using Npgsql;

namespace Metrics.Storage.Chunks;

/// <summary>
/// Merges runs of consecutive small rows of a series (chunks of fewer than <see cref="SmallPoints"/>
/// points, as appends of a few points per commit leave them, and legacy scalar_points rows) into
/// chunks of up to <see cref="ScalarChunkCopy.TargetPoints"/> points. The visible points do not
/// change, so no version moves and nobody is notified. Each series is compacted in short
/// transactions that take its series row lock with SKIP LOCKED: a series a commit holds is left
/// for the next pass (ingest never waits on compaction for more than one short transaction, and
/// the two never deadlock), and any number of ingest replicas may compact at once.
/// </summary>
public static class ScalarChunkCompactor
{
    /// <summary>Rows with fewer points are small (the partial index scalar_chunks_small_idx finds them).</summary>
    public const int SmallPoints = ScalarChunkCopy.TargetPoints / 2;

    /// <summary>Points one transaction rewrites at most, so it holds its series' lock only briefly.</summary>
    private const int MaxPointsPerTransaction = 64 * ScalarChunkCopy.TargetPoints;

    /// <summary>Rows one transaction reads to plan (a long series is planned window by window).</summary>
    private const int WindowRows = MaxPointsPerTransaction + ScalarChunkCopy.TargetPoints;

    /// <summary>Compacts every series until nothing is left to merge (series locked by a commit are tried again); returns the rows merged away.</summary>
    public static async Task<int> CompactAllAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var merged = 0;
        while (true)
        {
            var pass = await CompactOnceAsync(dataSource, cancellationToken);
            merged += pass.Rows;
            if (pass.Rows == 0 && pass.SkippedSeries == 0)
            {
                return merged;
            }

            if (pass.Rows == 0)
            {
                // Only locked series were left: let their commits finish.
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            }
        }
    }

    /// <summary>One pass over every series with small rows to merge or legacy rows to convert.</summary>
    public static async Task<CompactionPass> CompactOnceAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var candidates = await CandidatesAsync(dataSource, legacyOnly: false, cancellationToken);
        return await CompactSeriesAsync(dataSource, candidates, null, cancellationToken);
    }

    /// <summary>
    /// Converts every legacy scalar_points row into chunks (merged with the small chunks around
    /// them), pass after pass until the table is empty; <paramref name="progress"/> hears after each
    /// transaction how many rows were converted so far. Ingest may keep writing meanwhile (it writes
    /// chunks only, so the table only shrinks). Returns the rows converted.
    /// </summary>
    public static async Task<long> ConvertLegacyAsync(NpgsqlDataSource dataSource, Action<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        long converted = 0;
        while (true)
        {
            var candidates = await CandidatesAsync(dataSource, legacyOnly: true, cancellationToken);
            if (candidates.Count == 0)
            {
                return converted;
            }

            var pass = await CompactSeriesAsync(dataSource, candidates, rows =>
            {
                converted += rows;
                progress?.Invoke(converted);
            }, cancellationToken);
            if (pass.Rows == 0)
            {
                // Only series busy with commits were left: let them finish.
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            }
        }
    }

    private static async Task<CompactionPass> CompactSeriesAsync(NpgsqlDataSource dataSource, List<(long SeriesId, long From)> candidates, Action<int>? legacyConverted, CancellationToken cancellationToken)
    {
        var pass = default(CompactionPass);
        foreach (var (seriesId, first) in candidates)
        {
            long? from = first;
            while (from is { } start)
            {
                var result = await CompactSeriesOnceAsync(dataSource, seriesId, start, cancellationToken);
                if (result is not { } done)
                {
                    pass = pass with { SkippedSeries = pass.SkippedSeries + 1 };
                    break;
                }

                pass = pass with { Rows = pass.Rows + done.Rows, LegacyRows = pass.LegacyRows + done.LegacyRows, Chunks = pass.Chunks + done.Chunks };
                legacyConverted?.Invoke(done.LegacyRows);
                from = done.NextFrom;
            }
        }

        return pass;
    }

    /// <summary>
    /// Series with two or more small chunks, and (by a skip scan of the primary key) series with
    /// legacy rows, each with the step to plan from: the first small chunk's (every row before it
    /// is full, so a long series with a small tail is not read from its start), or the start for
    /// legacy rows.
    /// </summary>
    private static async Task<List<(long SeriesId, long From)>> CandidatesAsync(NpgsqlDataSource dataSource, bool legacyOnly, CancellationToken cancellationToken)
    {
        var sql =
            $"""
            WITH RECURSIVE ids AS (
                (SELECT series_id FROM scalar_points ORDER BY series_id LIMIT 1)
                UNION ALL
                SELECT (SELECT p.series_id FROM scalar_points p WHERE p.series_id > ids.series_id ORDER BY p.series_id LIMIT 1)
                FROM ids WHERE ids.series_id IS NOT NULL
            )
            SELECT series_id, min(start) FROM (
                SELECT series_id, '-9223372036854775808'::bigint AS start FROM ids WHERE series_id IS NOT NULL
                {(legacyOnly ? "" : $"UNION ALL SELECT series_id, min(first_step) FROM scalar_chunks WHERE point_count < {SmallPoints} GROUP BY series_id HAVING count(*) > 1")}
            ) c
            GROUP BY series_id
            ORDER BY series_id
            """;
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var candidates = new List<(long, long)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            candidates.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }

        return candidates;
    }

    /// <summary>
    /// One short transaction over the rows of one series from step <paramref name="fromStep"/> on;
    /// null when its series row is locked (or gone).
    /// </summary>
    private static async Task<SeriesResult?> CompactSeriesOnceAsync(NpgsqlDataSource dataSource, long seriesId, long fromStep, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await LockAsync(connection, seriesId, cancellationToken))
        {
            return null;
        }

        var rows = await ReadRowsAsync(connection, seriesId, fromStep, cancellationToken);
        var (groups, resume) = Plan(rows, windowFull: rows.Count == WindowRows);
        long? next = resume < rows.Count ? rows[resume].FirstStep : null;
        if (groups.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return new SeriesResult(0, 0, 0, next);
        }

        var chunkSteps = new List<long>();
        var legacySteps = new List<long>();
        foreach (var group in groups)
        {
            for (var i = group.Start; i < group.End; i++)
            {
                (rows[i].Legacy ? legacySteps : chunkSteps).Add(rows[i].FirstStep);
            }
        }

        var points = await TakeAsync(connection, seriesId, chunkSteps, legacySteps, cancellationToken);
        var encoder = new ScalarChunkEncoder();
        var chunks = new List<(long SeriesId, ScalarChunk Chunk)>(groups.Count);
        var p = 0;
        foreach (var group in groups)
        {
            var last = rows[group.End - 1].LastStep;
            while (p < points.Count && points[p].Step <= last)
            {
                encoder.Append(points[p++]);
            }

            chunks.Add((seriesId, encoder.Build()));
        }

        await ScalarChunkCopy.WriteAsync(connection, chunks, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new SeriesResult(chunkSteps.Count + legacySteps.Count, legacySteps.Count, chunks.Count, next);
    }

    /// <summary>
    /// Takes the series row lock without waiting; false when a commit holds it. Rows of a series
    /// that no longer exists (its run deleted by hand) are nobody's to write, so they are compacted
    /// without a lock rather than blocking the conversion forever.
    /// </summary>
    private static async Task<bool> LockAsync(NpgsqlConnection connection, long seriesId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT (SELECT 1 FROM series WHERE series_id = $1 FOR UPDATE SKIP LOCKED) IS NOT NULL
                OR NOT EXISTS (SELECT 1 FROM series WHERE series_id = $1)
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seriesId });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Up to <see cref="WindowRows"/> rows of the series from <paramref name="fromStep"/> on, in step
    /// order: where each starts and ends, its points, and whether it is a legacy scalar_points row.
    /// </summary>
    private static async Task<List<Row>> ReadRowsAsync(NpgsqlConnection connection, long seriesId, long fromStep, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            (SELECT first_step, last_step, point_count, false FROM scalar_chunks WHERE series_id = $1 AND first_step >= $2 ORDER BY first_step LIMIT $3)
            UNION ALL
            (SELECT step, step, 1, true FROM scalar_points WHERE series_id = $1 AND step >= $2 ORDER BY step LIMIT $3)
            ORDER BY 1
            LIMIT $3
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seriesId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromStep });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = WindowRows });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<Row>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new Row(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetBoolean(3)));
        }

        return rows;
    }

    /// <summary>
    /// Groups consecutive small rows greedily into runs of at most TargetPoints points; a run is
    /// merged when it has two rows or more, or holds a legacy row (which must become a chunk even
    /// alone). Stops before <see cref="MaxPointsPerTransaction"/>; when the window was full, a run
    /// touching its end may continue beyond it and waits for the next window. Returns the runs and
    /// the row the next transaction starts from (rows.Count: the series is done).
    /// </summary>
    private static (List<(int Start, int End)> Groups, int Resume) Plan(List<Row> rows, bool windowFull)
    {
        var groups = new List<(int Start, int End)>();
        var planned = 0;
        var i = 0;
        while (i < rows.Count)
        {
            if (!rows[i].IsSmall)
            {
                i++;
                continue;
            }

            var start = i;
            var points = 0;
            var legacy = false;
            while (i < rows.Count && rows[i].IsSmall && points + rows[i].PointCount <= ScalarChunkCopy.TargetPoints)
            {
                points += rows[i].PointCount;
                legacy |= rows[i].Legacy;
                i++;
            }

            if (windowFull && i == rows.Count)
            {
                return (groups, start);
            }

            if (i - start >= 2 || legacy)
            {
                if (planned + points > MaxPointsPerTransaction)
                {
                    return (groups, start);
                }

                groups.Add((start, i));
                planned += points;
            }
        }

        // A full window of large rows only: go on after them.
        return (groups, windowFull ? rows.Count - 1 : rows.Count);
    }

    /// <summary>Deletes the planned rows, bumps the series' chunk_version, and returns the rows' points in step order; fails (rolling back) if any row is not there.</summary>
    private static async Task<List<ScalarChunkPoint>> TakeAsync(NpgsqlConnection connection, long seriesId, List<long> chunkSteps, List<long> legacySteps, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        var chunks = new NpgsqlBatchCommand("DELETE FROM scalar_chunks WHERE series_id = $1 AND first_step = ANY($2) RETURNING data");
        chunks.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seriesId });
        chunks.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. chunkSteps] });
        batch.BatchCommands.Add(chunks);
        // Every legacy row between the first and the last planned one is planned (a run holding one is
        // always merged), so a range scan of the primary key takes them; the count below checks it.
        var legacy = new NpgsqlBatchCommand("DELETE FROM scalar_points WHERE series_id = $1 AND step BETWEEN $2 AND $3 RETURNING step, wall_time, value");
        legacy.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seriesId });
        legacy.Parameters.Add(new NpgsqlParameter<long> { TypedValue = legacySteps.Count == 0 ? 0 : legacySteps[0] });
        legacy.Parameters.Add(new NpgsqlParameter<long> { TypedValue = legacySteps.Count == 0 ? -1 : legacySteps[^1] });
        batch.BatchCommands.Add(legacy);
        // The series' chunk layout changes in this transaction: move its version (cached chunk summaries, docs/query.md).
        var version = new NpgsqlBatchCommand("UPDATE series SET chunk_version = chunk_version + 1 WHERE series_id = $1");
        version.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seriesId });
        batch.BatchCommands.Add(version);

        var points = new List<ScalarChunkPoint>();
        var taken = 0;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                foreach (var point in new ScalarChunkDecoder(reader.GetFieldValue<byte[]>(0)))
                {
                    points.Add(point);
                }

                taken++;
            }

            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                points.Add(new ScalarChunkPoint(reader.GetInt64(0), reader.GetDouble(1), reader.GetDouble(2)));
                taken++;
            }
        }

        if (taken != chunkSteps.Count + legacySteps.Count)
        {
            // Cannot happen while the series row is locked; refuse rather than lose points.
            throw new InvalidOperationException($"scalar rows of series {seriesId} changed under its lock: {taken} of {chunkSteps.Count + legacySteps.Count} found");
        }

        points.Sort(static (a, b) => a.Step.CompareTo(b.Step));
        return points;
    }

    private readonly record struct Row(long FirstStep, long LastStep, int PointCount, bool Legacy)
    {
        public bool IsSmall => PointCount < SmallPoints;
    }

    /// <summary>What one transaction did; <see cref="NextFrom"/> is where the next one starts (null: the series is done).</summary>
    private readonly record struct SeriesResult(int Rows, int LegacyRows, int Chunks, long? NextFrom);
}
