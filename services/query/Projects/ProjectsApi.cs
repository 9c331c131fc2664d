using System.Security.Claims;
using Metrics.Query.Auth;
using Npgsql;

namespace Metrics.Query.Projects;

/// <summary>GET /projects: the projects the token may read (its own).</summary>
internal static class ProjectsApi
{
    public static RouteGroupBuilder MapProjectsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/projects", ListAsync)
            .WithName("ListProjects")
            .WithSummary("The projects this token can read (exactly its own)")
            .Produces<ProjectList>();
        return api;
    }

    private static async Task<ProjectList> ListAsync(ClaimsPrincipal user, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var caller = Caller.From(user);
        await using var command = dataSource.CreateCommand(
            """
            SELECT p.name, p.created_at, (SELECT count(*)::int FROM runs r WHERE r.project_id = p.project_id)
            FROM projects p WHERE p.project_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = caller.ProjectId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var projects = new List<ProjectInfo>(1);
        while (await reader.ReadAsync(cancellationToken))
        {
            projects.Add(new ProjectInfo(reader.GetString(0), reader.GetDateTime(1), reader.GetInt32(2)));
        }

        return new ProjectList(projects);
    }
}
