using System.Globalization;
using System.Security.Claims;
using Metrics.Export;
using Metrics.Query.Auth;
using Metrics.Query.Errors;
using Npgsql;

namespace Metrics.Query.Logdir;

/// <summary>
/// GET /runs/{runId}/logdir.tar.gz: the run as a TensorBoard logdir, streamed (the exporter's
/// encodings, one event file under &lt;run name&gt;/). `metrics export` downloads and unpacks it.
/// </summary>
internal static class LogdirApi
{
    public static RouteGroupBuilder MapLogdirApi(this RouteGroupBuilder api)
    {
        api.MapGet("/runs/{runId:long}/logdir.tar.gz", DownloadAsync)
            .WithName("DownloadRunLogdir")
            .WithSummary("The run as a TensorBoard logdir: a .tar.gz of <run name>/events.out.tfevents.*")
            .Produces(StatusCodes.Status200OK, contentType: "application/gzip")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task DownloadAsync(long runId, ClaimsPrincipal user, HttpContext context, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var caller = Caller.From(user);
        await using (var command = dataSource.CreateCommand("SELECT 1 FROM runs WHERE run_id = $1 AND project_id = $2"))
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = caller.ProjectId });
            if (await command.ExecuteScalarAsync(cancellationToken) is null)
            {
                throw QueryProblemException.NotFound("run " + runId.ToString(CultureInfo.InvariantCulture) + " not found", "runId");
            }
        }

        context.Response.ContentType = "application/gzip";
        context.Response.Headers.ContentDisposition = "attachment; filename=\"run-" + runId.ToString(CultureInfo.InvariantCulture) + ".tar.gz\"";
        await new LogdirArchive(dataSource).WriteRunAsync(runId, context.Response.Body, cancellationToken);
    }
}
