using System.Security.Claims;
using Metrics.Query.Auth;
using Metrics.Query.Errors;
using Metrics.Query.Runs;
using Npgsql;

namespace Metrics.Query.Tags;

/// <summary>GET /runs/{runId}/tags.</summary>
internal static class TagsApi
{
    public static RouteGroupBuilder MapTagsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/runs/{runId:long}/tags", ListAsync)
            .WithName("ListTags")
            .WithSummary("A run's series grouped by plugin and data class, with display name, description, point count and step range")
            .Produces<RunTags>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<RunTags> ListAsync(long runId, ClaimsPrincipal user, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var caller = Caller.From(user);
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT r.run_id, s.tag, s.data_class, s.plugin_name, s.plugin_content, s.display_name, s.description, s.point_count,
                   e.first_step, e.last_step, e.first_wall_time, e.last_wall_time
            FROM runs r
            LEFT JOIN series s ON s.run_id = r.run_id
            LEFT JOIN LATERAL ({SeriesExtent.Sql}) e ON true
            WHERE r.run_id = $1 AND r.project_id = $2
            ORDER BY s.data_class, s.plugin_name, s.tag
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        command.Parameters.Add(new NpgsqlParameter { Value = caller.ProjectId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = false;
        var groups = new List<TagGroup>();
        List<TagInfo>? current = null;
        (short DataClass, string Plugin) key = default;
        while (await reader.ReadAsync(cancellationToken))
        {
            found = true;
            if (reader.IsDBNull(1))
            {
                continue; // a run without series
            }

            var rowKey = (reader.GetInt16(2), reader.GetString(3));
            if (current is null || rowKey != key)
            {
                key = rowKey;
                current = [];
                groups.Add(new TagGroup(key.Plugin, DataClasses.Name(key.DataClass), current));
            }

            current.Add(new TagInfo(
                reader.GetString(1),
                reader.GetString(5),
                reader.GetString(6),
                Convert.ToBase64String(reader.GetFieldValue<byte[]>(4)),
                reader.GetInt64(7),
                reader.IsDBNull(8) ? null : reader.GetInt64(8),
                reader.IsDBNull(9) ? null : reader.GetInt64(9),
                reader.IsDBNull(10) ? null : reader.GetDouble(10),
                reader.IsDBNull(11) ? null : reader.GetDouble(11)));
        }

        return found ? new RunTags(runId, groups) : throw QueryProblemException.NotFound($"run {runId} not found", "runId");
    }
}
