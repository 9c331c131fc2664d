using System.Runtime.CompilerServices;
using Npgsql;

namespace Metrics.Storage.Chunks;

/// <summary>
/// Every read of scalar points goes through here: REST, SSE tails, the TensorBoard data provider,
/// the exporter and the tests' audits. Reads <c>all_scalar_chunks</c> (chunks, and scalar_points
/// rows not yet converted, as one-point chunks without data), whose rows of a series never
/// overlap in step, so points come out in step order, each step once.
/// </summary>
public static class ScalarChunkReads
{
    /// <summary>The columns every read selects, in the order <see cref="ReadSummary"/> expects, then the data.</summary>
    internal const string Columns =
        """
        first_step, last_step, point_count, first_wall_time, first_value, last_wall_time, last_value,
        min_step, min_wall_time, min_value, max_step, max_wall_time, max_value, nan_step, nan_wall_time, nan_value
        """;

    // The chunk that holds fromStep starts at the greatest first_step at or before it; starting the
    // scan there (not at the series' first chunk) keeps a read near the end of a long series short.
    private const string RangeStart =
        """
        first_step >= COALESCE(
            (SELECT c.first_step FROM all_scalar_chunks c WHERE c.series_id = $1 AND c.first_step <= $2 ORDER BY c.first_step DESC LIMIT 1),
            $2)
        """;

    /// <summary>The points of one series with fromStep ≤ step ≤ toStep in step order, at most <paramref name="limit"/> of them.</summary>
    public static async Task<List<ScalarChunkPoint>> ReadPointsAsync(NpgsqlDataSource dataSource, long seriesId, long fromStep, long toStep, CancellationToken cancellationToken, int limit = int.MaxValue)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ReadPointsAsync(connection, seriesId, fromStep, toStep, cancellationToken, limit);
    }

    /// <inheritdoc cref="ReadPointsAsync(NpgsqlDataSource, long, long, long, CancellationToken, int)"/>
    public static async Task<List<ScalarChunkPoint>> ReadPointsAsync(NpgsqlConnection connection, long seriesId, long fromStep, long toStep, CancellationToken cancellationToken, int limit = int.MaxValue)
    {
        var points = new List<ScalarChunkPoint>();
        if (fromStep > toStep || limit <= 0)
        {
            return points;
        }

        // Every row holds at least one point, so `limit` rows always hold `limit` points.
        await using var command = new NpgsqlCommand(
            $"""
            SELECT {Columns}, data FROM all_scalar_chunks
            WHERE series_id = $1 AND {RangeStart} AND first_step <= $3 AND last_step >= $2
            ORDER BY first_step
            LIMIT $4
            """, connection);
        AddRange(command, seriesId, fromStep, toStep);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (points.Count < limit && await reader.ReadAsync(cancellationToken))
        {
            AddPoints(reader, 0, points, fromStep, toStep, limit);
        }

        return points;
    }

    /// <summary>
    /// The points of one series with fromStep ≤ step ≤ toStep in step order, one array per chunk,
    /// so a reader can stream a range of any length (mode=all) without holding it. Runs on the
    /// caller's connection, inside its transaction when it has one (a snapshot several passes share).
    /// </summary>
    public static async IAsyncEnumerable<ScalarChunkPoint[]> StreamPointsAsync(NpgsqlConnection connection, long seriesId, long fromStep, long toStep, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (fromStep > toStep)
        {
            yield break;
        }

        await using var command = new NpgsqlCommand(
            $"""
            SELECT {Columns}, data FROM all_scalar_chunks
            WHERE series_id = $1 AND {RangeStart} AND first_step <= $3 AND last_step >= $2
            ORDER BY first_step
            """, connection);
        AddRange(command, seriesId, fromStep, toStep);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var points = new List<ScalarChunkPoint>(ScalarChunkCopy.TargetPoints);
        while (await reader.ReadAsync(cancellationToken))
        {
            points.Clear();
            AddPoints(reader, 0, points, fromStep, toStep, int.MaxValue);
            if (points.Count > 0)
            {
                yield return [.. points];
            }
        }
    }

    /// <summary>The points of several series (short ones: a dashboard grid) in one round trip, keyed by series; a series without points is absent.</summary>
    public static async Task<Dictionary<long, List<ScalarChunkPoint>>> ReadPointsAsync(NpgsqlDataSource dataSource, long[] seriesIds, long fromStep, long toStep, CancellationToken cancellationToken)
    {
        var bySeries = new Dictionary<long, List<ScalarChunkPoint>>();
        if (fromStep > toStep || seriesIds.Length == 0)
        {
            return bySeries;
        }

        await using var command = dataSource.CreateCommand(
            $"""
            SELECT series_id, {Columns}, data FROM all_scalar_chunks
            WHERE series_id = ANY($1) AND first_step <= $3 AND last_step >= $2
            ORDER BY series_id, first_step
            """);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = seriesIds });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromStep });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = toStep });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        List<ScalarChunkPoint>? current = null;
        var currentId = 0L;
        while (await reader.ReadAsync(cancellationToken))
        {
            var seriesId = reader.GetInt64(0);
            if (current is null || seriesId != currentId)
            {
                currentId = seriesId;
                current = [];
            }

            AddPoints(reader, 1, current, fromStep, toStep, int.MaxValue);
            if (current.Count > 0)
            {
                bySeries[seriesId] = current;
            }
        }

        return bySeries;
    }

    /// <summary>
    /// A range for downsampling: chunks wholly inside [fromStep, toStep] as summaries, only the chunks
    /// crossing its edges decoded. A 1M-point series costs one row per chunk, no point decoding.
    /// </summary>
    public static async Task<ScalarChunkRange> ReadRangeAsync(NpgsqlDataSource dataSource, long seriesId, long fromStep, long toStep, CancellationToken cancellationToken)
    {
        var range = new ScalarChunkRange();
        if (fromStep > toStep)
        {
            return range;
        }

        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {Columns}, CASE WHEN first_step < $2 OR last_step > $3 THEN data END
            FROM all_scalar_chunks
            WHERE series_id = $1 AND {RangeStart} AND first_step <= $3 AND last_step >= $2
            ORDER BY first_step
            """);
        AddRange(command, seriesId, fromStep, toStep);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var summary = ReadSummary(reader, 0);
            if (summary.FirstStep >= fromStep && summary.LastStep <= toStep)
            {
                range.Blocks.Add(summary);
            }
            else
            {
                AddPoints(reader, 0, range.Blocks.Count == 0 ? range.Head : range.Tail, fromStep, toStep, int.MaxValue);
            }
        }

        return range;
    }

    private static void AddRange(NpgsqlCommand command, long seriesId, long fromStep, long toStep)
    {
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seriesId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromStep });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = toStep });
    }

    /// <summary>Appends the row's points within [fromStep, toStep] to <paramref name="points"/> until it holds <paramref name="limit"/>.</summary>
    private static void AddPoints(NpgsqlDataReader reader, int offset, List<ScalarChunkPoint> points, long fromStep, long toStep, int limit)
    {
        var dataColumn = offset + 16;
        if (reader.IsDBNull(dataColumn))
        {
            // A scalar_points row not yet converted: its one point is its first.
            var point = new ScalarChunkPoint(reader.GetInt64(offset), reader.GetDouble(offset + 3), reader.GetDouble(offset + 4));
            if (point.Step >= fromStep && point.Step <= toStep)
            {
                points.Add(point);
            }

            return;
        }

        var data = reader.GetFieldValue<byte[]>(dataColumn);
        var decoder = new ScalarChunkDecoder(data);
        decoder.SkipBefore(fromStep);
        foreach (var point in decoder)
        {
            if (point.Step > toStep || points.Count >= limit)
            {
                break;
            }

            points.Add(point);
        }
    }

    internal static ChunkSummary ReadSummary(NpgsqlDataReader reader, int offset) => new(
        reader.GetInt32(offset + 2),
        new ScalarChunkPoint(reader.GetInt64(offset), reader.GetDouble(offset + 3), reader.GetDouble(offset + 4)),
        new ScalarChunkPoint(reader.GetInt64(offset + 1), reader.GetDouble(offset + 5), reader.GetDouble(offset + 6)),
        OptionalPoint(reader, offset + 7),
        OptionalPoint(reader, offset + 10),
        OptionalPoint(reader, offset + 13));

    private static ScalarChunkPoint? OptionalPoint(NpgsqlDataReader reader, int column) => reader.IsDBNull(column)
        ? null
        : new ScalarChunkPoint(reader.GetInt64(column), reader.GetDouble(column + 1), reader.GetDouble(column + 2));
}
