using Metrics.Contracts.TensorBoard;
using Metrics.Storage.Chunks;
using Npgsql;
using Xunit;

namespace Metrics.Testing;

/// <summary>What PostgreSQL holds for a run of project "test" (<see cref="IngestFixture"/>), read with plain SQL (the tests' ground truth).</summary>
public sealed class Stored(NpgsqlDataSource dataSource)
{
    public sealed record Series(string Tag, string PluginName, byte[] PluginContent, short DataClass);

    public async Task<long?> RunIdAsync(string run)
    {
        await using var command = dataSource.CreateCommand("SELECT run_id FROM runs r JOIN projects p USING (project_id) WHERE p.name = 'test' AND r.name = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = run });
        return await command.ExecuteScalarAsync() as long?;
    }

    public async Task<List<string>> RunsAsync()
    {
        await using var command = dataSource.CreateCommand("SELECT r.name FROM runs r JOIN projects p USING (project_id) WHERE p.name = 'test' ORDER BY r.name");
        var runs = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            runs.Add(reader.GetString(0));
        }

        return runs;
    }

    public async Task<Dictionary<string, Series>> SeriesAsync(string run)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT s.tag, s.plugin_name, s.plugin_content, s.data_class
            FROM series s JOIN runs r USING (run_id) JOIN projects p USING (project_id)
            WHERE p.name = 'test' AND r.name = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = run });
        var result = new Dictionary<string, Series>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result[reader.GetString(0)] = new Series(reader.GetString(0), reader.GetString(1), (byte[])reader[2], reader.GetInt16(3));
        }

        return result;
    }

    public async Task<List<(long Step, double WallTime, double Value)>> ScalarsAsync(string run, string tag)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT s.series_id
            FROM series s JOIN runs r USING (run_id) JOIN projects p USING (project_id)
            WHERE p.name = 'test' AND r.name = $1 AND s.tag = $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = run });
        command.Parameters.Add(new NpgsqlParameter { Value = tag });
        if (await command.ExecuteScalarAsync() is not long seriesId)
        {
            return [];
        }

        var points = await ScalarChunkReads.ReadPointsAsync(dataSource, seriesId, long.MinValue, long.MaxValue, CancellationToken.None);
        return [.. points.Select(p => (p.Step, p.WallTime, p.Value))];
    }

    public async Task<List<(long Step, double WallTime, TensorProto Tensor)>> TensorsAsync(string run, string tag)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT tp.step, tp.wall_time, tp.tensor
            FROM tensor_points tp JOIN series s USING (series_id) JOIN runs r USING (run_id) JOIN projects p USING (project_id)
            WHERE p.name = 'test' AND r.name = $1 AND s.tag = $2 ORDER BY tp.step
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = run });
        command.Parameters.Add(new NpgsqlParameter { Value = tag });
        var points = new List<(long, double, TensorProto)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            points.Add((reader.GetInt64(0), reader.GetDouble(1), TensorProto.Parser.ParseFrom((byte[])reader[2])));
        }

        return points;
    }

    public async Task<List<(long Step, double WallTime, List<byte[]> Blobs)>> BlobsAsync(string run, string tag)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT bp.step, bp.wall_time, array(SELECT b.content FROM unnest(bp.blob_keys) WITH ORDINALITY k(key, i) JOIN blobs b ON b.sha256 = k.key ORDER BY k.i)
            FROM blob_points bp JOIN series s USING (series_id) JOIN runs r USING (run_id) JOIN projects p USING (project_id)
            WHERE p.name = 'test' AND r.name = $1 AND s.tag = $2 ORDER BY bp.step
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = run });
        command.Parameters.Add(new NpgsqlParameter { Value = tag });
        var points = new List<(long, double, List<byte[]>)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            points.Add((reader.GetInt64(0), reader.GetDouble(1), ((byte[][])reader[2]).ToList()));
        }

        return points;
    }

    public async Task<(string HParamsJson, string[] Metrics)> HParamsAsync(string run)
    {
        await using var command = dataSource.CreateCommand("SELECT r.hparams::text, r.hparam_metrics FROM runs r JOIN projects p USING (project_id) WHERE p.name = 'test' AND r.name = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = run });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "run " + run + " not found");
        return (reader.GetString(0), (string[])reader[1]);
    }

    public async Task<long> PointCountAsync(string? run = null)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT (SELECT COALESCE(sum(c.point_count), 0) FROM all_scalar_chunks c JOIN series s USING (series_id) JOIN runs r USING (run_id) WHERE $1::text IS NULL OR r.name = $1)
                 + (SELECT count(*) FROM tensor_points tp JOIN series s USING (series_id) JOIN runs r USING (run_id) WHERE $1::text IS NULL OR r.name = $1)
                 + (SELECT count(*) FROM blob_points bp JOIN series s USING (series_id) JOIN runs r USING (run_id) WHERE $1::text IS NULL OR r.name = $1)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)run ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
