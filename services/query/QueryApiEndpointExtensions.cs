using Metrics.Query.Auth;
using Metrics.Query.Blobs;
using Metrics.Query.HParams;
using Metrics.Query.Logdir;
using Metrics.Query.Projects;
using Metrics.Query.Replicas;
using Metrics.Query.Runs;
using Metrics.Query.Scalars;
using Metrics.Query.Stream;
using Metrics.Query.Tags;
using Metrics.Query.Tensors;

namespace Metrics.Query;

/// <summary>
/// The middleware order (authenticate, rate-limit per token, authorize, choose where reads go) and the /api/v1 routes of
/// DESIGN.md, one Map line per feature folder. GET /runs/{runId}/logdir.tar.gz belongs to the
/// exporter: it adds Logdir/LogdirApi.cs with MapLogdirApi(this RouteGroupBuilder) and one line here.
/// </summary>
// Public (in a service, an exe) only so bench/Metrics.Bench can host the query service in its own
// process wired exactly as Program.cs wires it (Query/QueryServiceHost.cs); see docs/architecture.md.
public static class QueryApiEndpointExtensions
{
    public const string Prefix = "/api/v1";

    public static WebApplication MapQueryApi(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseReadReplicas();
        app.MapOpenApi();

        var api = app.MapGroup(Prefix)
            .RequireAuthorization(QueryAuthorization.ReadPolicy)
            .RequireRateLimiting(QueryRateLimiting.PerTokenPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ReadsFromStandby();
        api.MapProjectsApi();
        api.MapRunsApi();
        api.MapTagsApi();
        api.MapScalarsApi();
        api.MapTensorsApi();
        api.MapBlobsApi();
        api.MapHParamsApi();
        api.MapStreamApi();
        api.MapLogdirApi();
        return app;
    }
}
