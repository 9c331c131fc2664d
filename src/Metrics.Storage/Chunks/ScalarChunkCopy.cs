using Npgsql;
using NpgsqlTypes;

namespace Metrics.Storage.Chunks;

/// <summary>Writes chunk rows into scalar_chunks by binary COPY: the one place that knows the row's columns.</summary>
internal static class ScalarChunkCopy
{
    /// <summary>Points a chunk holds before a new one starts, when a writer or compaction cuts a long run.</summary>
    public const int TargetPoints = 256;

    private const string Copy =
        """
        COPY scalar_chunks (series_id, first_step, last_step, point_count, first_wall_time, first_value, last_wall_time, last_value,
            min_step, min_wall_time, min_value, max_step, max_wall_time, max_value, nan_step, nan_wall_time, nan_value, data)
        FROM STDIN (FORMAT BINARY)
        """;

    /// <summary>COPYs <paramref name="chunks"/> (series id and chunk) in one statement.</summary>
    public static async Task WriteAsync(NpgsqlConnection connection, IEnumerable<(long SeriesId, ScalarChunk Chunk)> chunks, CancellationToken cancellationToken)
    {
        await using var importer = await connection.BeginBinaryImportAsync(Copy, cancellationToken);
        foreach (var (seriesId, chunk) in chunks)
        {
            var s = chunk.Summary;
            await importer.StartRowAsync(cancellationToken);
            await importer.WriteAsync(seriesId, NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(s.FirstStep, NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(s.LastStep, NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(s.Count, NpgsqlDbType.Integer, cancellationToken);
            await importer.WriteAsync(s.FirstWallTime, NpgsqlDbType.Double, cancellationToken);
            await importer.WriteAsync(s.FirstValue, NpgsqlDbType.Double, cancellationToken);
            await importer.WriteAsync(s.LastWallTime, NpgsqlDbType.Double, cancellationToken);
            await importer.WriteAsync(s.LastValue, NpgsqlDbType.Double, cancellationToken);
            await WritePointAsync(importer, s.Min, cancellationToken);
            await WritePointAsync(importer, s.Max, cancellationToken);
            await WritePointAsync(importer, s.FirstNaN, cancellationToken);
            await importer.WriteAsync(chunk.Bytes, NpgsqlDbType.Bytea, cancellationToken);
        }

        await importer.CompleteAsync(cancellationToken);
    }

    /// <summary>Encodes points in strictly rising step order into chunks of <see cref="TargetPoints"/>.</summary>
    public static List<ScalarChunk> Encode(ReadOnlySpan<ScalarChunkPoint> points, ScalarChunkEncoder? encoder = null)
    {
        encoder ??= new ScalarChunkEncoder();
        var chunks = new List<ScalarChunk>((points.Length + TargetPoints - 1) / TargetPoints);
        foreach (var point in points)
        {
            encoder.Append(point);
            if (encoder.Count == TargetPoints)
            {
                chunks.Add(encoder.Build());
            }
        }

        if (encoder.Count > 0)
        {
            chunks.Add(encoder.Build());
        }

        return chunks;
    }

    private static async Task WritePointAsync(NpgsqlBinaryImporter importer, ScalarChunkPoint? point, CancellationToken cancellationToken)
    {
        if (point is { } p)
        {
            await importer.WriteAsync(p.Step, NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(p.WallTime, NpgsqlDbType.Double, cancellationToken);
            await importer.WriteAsync(p.Value, NpgsqlDbType.Double, cancellationToken);
        }
        else
        {
            await importer.WriteNullAsync(cancellationToken);
            await importer.WriteNullAsync(cancellationToken);
            await importer.WriteNullAsync(cancellationToken);
        }
    }
}
