using Metrics.Query.Auth;
using Metrics.Query.Errors;
using Metrics.Query.Tags;
using Npgsql;

namespace Metrics.Query.Runs;

/// <summary>Finds one series of a run of the caller's project: 404 for an unknown (or foreign) run or tag.</summary>
internal static class SeriesLookup
{
    public static async Task<SeriesRef> FindAsync(NpgsqlDataSource dataSource, Caller caller, long runId, string? tag, short dataClass, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(tag))
        {
            throw QueryProblemException.BadParameter("tag", "tag is required");
        }

        RunsApi.CheckText("tag", tag);
        await using var command = dataSource.CreateCommand(
            """
            SELECT r.run_id, r.data_version, r.rewrite_version, s.series_id, s.data_class, s.plugin_name, s.point_count, s.chunk_version
            FROM runs r
            LEFT JOIN series s ON s.run_id = r.run_id AND s.tag = $3
            WHERE r.run_id = $1 AND r.project_id = $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        command.Parameters.Add(new NpgsqlParameter { Value = caller.ProjectId });
        command.Parameters.Add(new NpgsqlParameter { Value = tag });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw QueryProblemException.NotFound($"run {runId} not found", "runId");
        }

        if (reader.IsDBNull(3))
        {
            throw QueryProblemException.NotFound($"run {runId} has no tag '{Caller.Truncate(tag)}'", "tag");
        }

        var series = new SeriesRef(runId, reader.GetInt64(3), tag, reader.GetInt16(4), reader.GetString(5), reader.GetInt64(6), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(7));
        if (series.DataClass != dataClass)
        {
            throw QueryProblemException.BadParameter("tag",
                $"tag '{Caller.Truncate(tag)}' is a {DataClasses.Name(series.DataClass)} series: read it from /runs/{runId}/{DataClasses.Endpoint(series.DataClass)}");
        }

        return series;
    }
}
