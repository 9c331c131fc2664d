using Npgsql;

namespace Metrics.Query.Sampling;

/// <summary>
/// Downsampling for tensors and blobs, whose points cannot be merged: keep max_points steps
/// evenly spaced by rank, always the first and the last. Steps come from the primary key alone.
/// </summary>
internal static class StepSampler
{
    public const int DefaultMaxPoints = 100;
    public const int MinMaxPoints = 2;
    public const int MaxMaxPoints = 10_000;

    /// <summary>The steps of the range to return, and how many the range holds.</summary>
    public static async Task<(long[] Steps, long InRange)> SelectAsync(NpgsqlDataSource dataSource, PointTable table, long seriesId, long fromStep, long toStep, int maxPoints, CancellationToken cancellationToken)
    {
        var sql = table == PointTable.Tensor
            ? "SELECT step FROM tensor_points WHERE series_id = $1 AND step BETWEEN $2 AND $3 ORDER BY step"
            : "SELECT step FROM blob_points WHERE series_id = $1 AND step BETWEEN $2 AND $3 ORDER BY step";
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = seriesId });
        command.Parameters.Add(new NpgsqlParameter { Value = fromStep });
        command.Parameters.Add(new NpgsqlParameter { Value = toStep });
        var steps = new List<long>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                steps.Add(reader.GetInt64(0));
            }
        }

        return (Evenly(steps, maxPoints), steps.Count);
    }

    /// <summary>max_points of <paramref name="steps"/> at evenly spaced ranks, first and last included.</summary>
    public static long[] Evenly(IReadOnlyList<long> steps, int maxPoints)
    {
        if (steps.Count <= maxPoints)
        {
            return [.. steps];
        }

        var kept = new long[maxPoints];
        for (var i = 0; i < maxPoints; i++)
        {
            kept[i] = steps[(int)Math.Round((double)i * (steps.Count - 1) / (maxPoints - 1), MidpointRounding.AwayFromZero)];
        }

        return kept;
    }
}
