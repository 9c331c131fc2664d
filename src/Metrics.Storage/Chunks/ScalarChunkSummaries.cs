using Npgsql;

namespace Metrics.Storage.Chunks;

/// <summary>
/// The chunk layout of a whole series with the series' chunk_version read in the same statement
/// (one snapshot), for a reader that caches summaries keyed by (series_id, chunk_version): every
/// change of a series' chunk rows bumps chunk_version in its transaction (migration 0005), so a
/// layout cached under version V is exactly the database's layout while the series is at V.
/// </summary>
public static class ScalarChunkSummaries
{
    /// <summary>Every row of the series in all_scalar_chunks as its summary, in step order, and its chunk_version; null when the series does not exist.</summary>
    public static async Task<SeriesChunkLayout?> ReadLayoutAsync(NpgsqlDataSource dataSource, long seriesId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT s.chunk_version, c.*
            FROM series s
            LEFT JOIN LATERAL (
                SELECT {ScalarChunkReads.Columns} FROM all_scalar_chunks WHERE series_id = s.series_id ORDER BY first_step
            ) c ON true
            WHERE s.series_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seriesId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var version = reader.GetInt64(0);
        var chunks = new List<ChunkSummary>();
        do
        {
            if (!reader.IsDBNull(1))
            {
                chunks.Add(ScalarChunkReads.ReadSummary(reader, 1));
            }
        }
        while (await reader.ReadAsync(cancellationToken));

        return new SeriesChunkLayout(version, [.. chunks]);
    }

    /// <summary>
    /// The series' chunk_version and, in the same snapshot, the encoded data of its chunks starting
    /// at <paramref name="firstSteps"/> (absent from the answer when no such chunk exists); with no
    /// steps, just the version (one index lookup). Null when the series does not exist.
    /// </summary>
    public static async Task<(long ChunkVersion, Dictionary<long, byte[]> Data)?> ReadChunksAsync(NpgsqlDataSource dataSource, long seriesId, long[] firstSteps, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT s.chunk_version, c.first_step, c.data
            FROM series s
            LEFT JOIN scalar_chunks c ON c.series_id = s.series_id AND c.first_step = ANY($2)
            WHERE s.series_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seriesId });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = firstSteps });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var version = reader.GetInt64(0);
        var data = new Dictionary<long, byte[]>();
        do
        {
            if (!reader.IsDBNull(1))
            {
                data[reader.GetInt64(1)] = reader.GetFieldValue<byte[]>(2);
            }
        }
        while (await reader.ReadAsync(cancellationToken));

        return (version, data);
    }

    /// <summary>Appends the points of an encoded chunk with fromStep ≤ step ≤ toStep to <paramref name="points"/>, in step order.</summary>
    public static void Decode(byte[] chunk, List<ScalarChunkPoint> points, long fromStep, long toStep)
    {
        var decoder = new ScalarChunkDecoder(chunk);
        decoder.SkipBefore(fromStep);
        foreach (var point in decoder)
        {
            if (point.Step > toStep)
            {
                break;
            }

            points.Add(point);
        }
    }
}

/// <summary>A series' rows (chunks and legacy one-point rows) as summaries in step order, at <see cref="ChunkVersion"/>.</summary>
public sealed record SeriesChunkLayout(long ChunkVersion, ChunkSummary[] Chunks);
