using Npgsql;

namespace Metrics.Query.Scalars;

/// <summary>Range reads of scalar_points, served by index-only scans of the covering primary key.</summary>
internal static class ScalarRows
{
    public static async Task<List<ScalarPoint>> ReadAsync(NpgsqlDataSource dataSource, long seriesId, long fromStep, long toStep, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT step, wall_time, value FROM scalar_points
            WHERE series_id = $1 AND step BETWEEN $2 AND $3
            ORDER BY step
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = seriesId });
        command.Parameters.Add(new NpgsqlParameter { Value = fromStep });
        command.Parameters.Add(new NpgsqlParameter { Value = toStep });
        var points = new List<ScalarPoint>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            points.Add(new ScalarPoint(reader.GetInt64(0), reader.GetDouble(1), reader.GetDouble(2)));
        }

        return points;
    }

    /// <summary>The points of several series in one round trip (short series: a dashboard grid).</summary>
    public static async Task<Dictionary<long, List<ScalarPoint>>> ReadManyAsync(NpgsqlDataSource dataSource, long[] seriesIds, long fromStep, long toStep, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT series_id, step, wall_time, value FROM scalar_points
            WHERE series_id = ANY($1) AND step BETWEEN $2 AND $3
            ORDER BY series_id, step
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = seriesIds });
        command.Parameters.Add(new NpgsqlParameter { Value = fromStep });
        command.Parameters.Add(new NpgsqlParameter { Value = toStep });
        var bySeries = new Dictionary<long, List<ScalarPoint>>();
        List<ScalarPoint>? current = null;
        var currentId = long.MinValue;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var seriesId = reader.GetInt64(0);
            if (current is null || seriesId != currentId)
            {
                currentId = seriesId;
                bySeries[seriesId] = current = [];
            }

            current.Add(new ScalarPoint(reader.GetInt64(1), reader.GetDouble(2), reader.GetDouble(3)));
        }

        return bySeries;
    }
}
