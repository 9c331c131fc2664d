using System.Globalization;
using Metrics.Storage.Chunks;
using Npgsql;
using Xunit;

namespace Metrics.Testing;

/// <summary>
/// What PostgreSQL holds after writes, read back with plain SQL: the ground truth of storage and
/// ingest tests alike.
/// </summary>
public static class StoredData
{
    /// <summary>The visible points of a scalar series, read as every reader reads them (through <see cref="ScalarChunkReads"/>); empty when the series does not exist.</summary>
    public static async Task<List<(long Step, double Value)>> ReadScalarsAsync(NpgsqlDataSource db, long runId, string tag)
    {
        await using var command = db.CreateCommand("SELECT series_id FROM series WHERE run_id = $1 AND tag = $2");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tag });
        if (await command.ExecuteScalarAsync() is not long seriesId)
        {
            return [];
        }

        var points = await ScalarChunkReads.ReadPointsAsync(db, seriesId, long.MinValue, long.MaxValue, CancellationToken.None);
        return [.. points.Select(p => (p.Step, p.Value))];
    }

    public static async Task<(long Count, long? Min, long? Max)> SeriesStatsAsync(NpgsqlDataSource db, long runId, string tag)
    {
        await using var command = db.CreateCommand("SELECT point_count, min_step, max_step FROM series WHERE run_id = $1 AND tag = $2");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tag });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt64(2));
    }

    public static async Task<(long Data, long Rewrite)> VersionsAsync(NpgsqlDataSource db, long runId)
    {
        await using var command = db.CreateCommand("SELECT data_version, rewrite_version FROM runs WHERE run_id = $1");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>The first column of the first row, as a number (a count, a seq, a size).</summary>
    public static async Task<long> ScalarAsync(NpgsqlDataSource db, string sql, params object[] args)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
