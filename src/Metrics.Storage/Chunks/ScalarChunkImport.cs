using Npgsql;

namespace Metrics.Storage.Chunks;

/// <summary>
/// Bulk-loads a series' points as chunks, bypassing the writer's bookkeeping (series counts, run
/// versions, exactly-once; only series.chunk_version is bumped): for seeding benchmarks and tests. The series must hold no point in the
/// loaded step range, so the rows of a series keep not overlapping.
/// </summary>
public static class ScalarChunkImport
{
    /// <summary>Writes <paramref name="points"/> (any order, each step once) of one series as chunks.</summary>
    public static async Task WriteAsync(NpgsqlConnection connection, long seriesId, IEnumerable<ScalarChunkPoint> points, CancellationToken cancellationToken)
    {
        var sorted = points.OrderBy(p => p.Step).ToArray();
        for (var i = 1; i < sorted.Length; i++)
        {
            if (sorted[i].Step == sorted[i - 1].Step)
            {
                throw new ArgumentException($"Step {sorted[i].Step} appears twice; each step of a series holds one point.", nameof(points));
            }
        }

        if (sorted.Length == 0)
        {
            return;
        }

        var chunks = ScalarChunkCopy.Encode(sorted);
        await ScalarChunkCopy.WriteAsync(connection, chunks.Select(c => (seriesId, c)), cancellationToken);

        // The one piece of bookkeeping kept: a query replica's cached chunk summaries must see the new rows.
        await using var bump = new NpgsqlCommand("UPDATE series SET chunk_version = chunk_version + 1 WHERE series_id = $1", connection);
        bump.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seriesId });
        await bump.ExecuteNonQueryAsync(cancellationToken);
    }
}
