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
}
