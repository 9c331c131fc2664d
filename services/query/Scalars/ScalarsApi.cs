using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using Metrics.Query.Auth;
using Metrics.Query.Errors;
using Metrics.Query.Runs;
using Metrics.Query.Tags;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Query.Scalars;

/// <summary>GET /runs/{runId}/scalars (one series) and POST /projects/{project}/scalars/query (runs × tags).</summary>
internal static class ScalarsApi
{
    /// <summary>The API's JSON conventions, for writers outside the minimal-API pipeline.</summary>
    public static readonly JsonSerializerOptions SnakeCase = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static RouteGroupBuilder MapScalarsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/runs/{runId:long}/scalars", GetAsync)
            .WithName("GetScalars")
            .WithSummary("One scalar series over a step range: downsampled to max_points (min/max per bucket, first and last kept) or every point (mode=all, streamed); JSON columns or CSV")
            .Produces<ScalarSeries>(StatusCodes.Status200OK, "application/json", "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/projects/{project}/scalars/query", QueryAsync)
            .WithName("QueryScalars")
            .WithSummary("Many runs × tags in one call, with the same range, downsampling, mode and format options")
            .Accepts<ScalarsQueryRequest>("application/json")
            .Produces<ScalarsQueryResponse>(StatusCodes.Status200OK, "application/json", "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task GetAsync(
        long runId,
        string? tag,
        [FromQuery(Name = "from_step")] long? fromStep,
        [FromQuery(Name = "to_step")] long? toStep,
        [FromQuery(Name = "max_points")] int? maxPoints,
        string? mode,
        string? x,
        string? format,
        ClaimsPrincipal user,
        HttpContext context,
        NpgsqlDataSource dataSource,
        ScalarReader scalars,
        CancellationToken cancellationToken)
    {
        var query = ScalarQuery.Parse(fromStep, toStep, maxPoints, mode, x, format);
        var series = await SeriesLookup.FindAsync(dataSource, Caller.From(user), runId, tag, DataClasses.Scalar, cancellationToken);
        if (query.AllPoints)
        {
            await (query.Csv
                ? ScalarStreaming.WriteCsvAsync(context.Response, dataSource, [series], withSeriesColumns: false, query, cancellationToken)
                : ScalarStreaming.WriteJsonAsync(context.Response, dataSource, [series], missing: null, query, cancellationToken));
            return;
        }

        var result = await scalars.ReadAsync(series, query, cancellationToken);
        await (query.Csv
            ? ScalarStreaming.WriteCsvAsync(context.Response, [result], withSeriesColumns: false, cancellationToken)
            : WriteWholeJsonAsync(context.Response, result, cancellationToken));
    }

    /// <summary>
    /// A downsampled series (at most max_points points, some tens of KB) serialized in memory and
    /// sent in one write with its Content-Length: streaming it through the response pipe in chunks
    /// cost more CPU (chunked framing, a lock per buffer) than the serialization itself.
    /// </summary>
    private static async Task WriteWholeJsonAsync(HttpResponse response, ScalarSeries result, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(result, SnakeCase);
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, cancellationToken);
    }

    private static async Task QueryAsync(
        string project,
        ScalarsQueryRequest request,
        ClaimsPrincipal user,
        HttpContext context,
        NpgsqlDataSource dataSource,
        ScalarReader scalars,
        IOptions<QueryOptions> options,
        CancellationToken cancellationToken)
    {
        var caller = Caller.From(user);
        caller.RequireProject(project);
        var query = ScalarQuery.Parse(request.FromStep, request.ToStep, request.MaxPoints, request.Mode, request.X, request.Format);
        var runIds = request.RunIds?.Distinct().ToArray() ?? [];
        var tags = request.Tags?.Distinct(StringComparer.Ordinal).ToArray() ?? [];
        if (runIds.Length == 0)
        {
            throw QueryProblemException.BadParameter("run_ids", "run_ids must list at least one run id");
        }

        if (tags.Length == 0)
        {
            throw QueryProblemException.BadParameter("tags", "tags must list at least one tag");
        }

        foreach (var tag in tags)
        {
            RunsApi.CheckText("tags", tag);
        }

        var max = options.Value.MaxSeriesPerQuery;
        if ((long)runIds.Length * tags.Length > max)
        {
            throw QueryProblemException.BadParameter("run_ids", $"run_ids × tags must be at most {max} series");
        }

        var found = await FindAllAsync(dataSource, caller, runIds, tags, cancellationToken);
        var series = new List<SeriesRef>();
        var missing = new List<MissingSeries>();
        foreach (var runId in runIds)
        {
            foreach (var tag in tags)
            {
                if (found.TryGetValue((runId, tag), out var one))
                {
                    series.Add(one);
                }
                else
                {
                    missing.Add(new MissingSeries(runId, tag));
                }
            }
        }

        if (query.AllPoints)
        {
            await (query.Csv
                ? ScalarStreaming.WriteCsvAsync(context.Response, dataSource, series, withSeriesColumns: true, query, cancellationToken)
                : ScalarStreaming.WriteJsonAsync(context.Response, dataSource, series, missing, query, cancellationToken));
            return;
        }

        var results = await scalars.ReadManyAsync(series, query, cancellationToken);
        await (query.Csv
            ? ScalarStreaming.WriteCsvAsync(context.Response, results, withSeriesColumns: true, cancellationToken)
            : context.Response.WriteAsJsonAsync(new ScalarsQueryResponse(results, missing), SnakeCase, cancellationToken));
    }

    private static async Task<Dictionary<(long RunId, string Tag), SeriesRef>> FindAllAsync(
        NpgsqlDataSource dataSource, Caller caller, long[] runIds, string[] tags, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT r.run_id, r.data_version, r.rewrite_version, s.series_id, s.tag, s.plugin_name, s.point_count, s.chunk_version
            FROM runs r JOIN series s ON s.run_id = r.run_id
            WHERE r.project_id = $1 AND r.run_id = ANY($2) AND s.tag = ANY($3) AND s.data_class = 1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = caller.ProjectId });
        command.Parameters.Add(new NpgsqlParameter { Value = runIds });
        command.Parameters.Add(new NpgsqlParameter { Value = tags });
        var found = new Dictionary<(long, string), SeriesRef>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var one = new SeriesRef(reader.GetInt64(0), reader.GetInt64(3), reader.GetString(4), DataClasses.Scalar, reader.GetString(5), reader.GetInt64(6), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(7));
            found[(one.RunId, one.Tag)] = one;
        }

        return found;
    }
}
