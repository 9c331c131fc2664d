using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Metrics.Query.Auth;
using Metrics.Query.Errors;
using Metrics.Query.Scalars;
using Microsoft.AspNetCore.Mvc;
using Metrics.Storage.Chunks;
using Metrics.Storage.Commits;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Query.Stream;

/// <summary>
/// GET /runs/{runId}/stream?tag=…: Server-Sent Events of new scalar points as they are committed.
/// Events: "ready" once subscribed, "points" ({run_id, tag, steps, wall_times, values}) for each
/// series that grew, "reset" when the run was rewritten (restart or replaced points: reload),
/// and ": keep-alive" comments on the heartbeat.
/// </summary>
internal static class StreamApi
{
    private const int MaxPointsPerEvent = 10_000;

    public static RouteGroupBuilder MapStreamApi(this RouteGroupBuilder api)
    {
        api.MapGet("/runs/{runId:long}/stream", StreamAsync)
            .WithName("StreamRun")
            .WithSummary("Server-Sent Events of new scalar points of the chosen tags (all scalar tags when none) as they are committed")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task StreamAsync(
        long runId,
        [FromQuery(Name = "tag")] string[]? tag,
        [FromQuery(Name = "from_step")] long? fromStep,
        ClaimsPrincipal user,
        HttpContext context,
        NpgsqlDataSource dataSource,
        CommitFeed commits,
        IOptions<QueryOptions> options,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var caller = Caller.From(user);
        var tags = tag is { Length: > 0 } ? tag.Distinct(StringComparer.Ordinal).ToArray() : null;
        foreach (var one in tags ?? [])
        {
            Runs.RunsApi.CheckText("tag", one);
        }

        // Subscribe before reading the starting point, so no commit falls between the two.
        using var subscription = commits.Subscribe(runId);
        await commits.WaitListeningAsync(TimeSpan.FromSeconds(5), cancellationToken);
        var state = await TailState.LoadAsync(dataSource, caller.ProjectId, runId, tags, fromStep, cancellationToken)
            ?? throw QueryProblemException.NotFound($"run {runId} not found", "runId");
        if (tags is not null && state.Series.Count < tags.Length)
        {
            var missing = tags.First(t => state.Series.All(s => s.Tag != t));
            throw QueryProblemException.NotFound($"run {runId} has no scalar tag '{Caller.Truncate(missing)}'", "tag");
        }

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await WriteEventAsync(response, "ready", JsonSerializer.Serialize(new { run_id = runId, tags = state.Series.Select(s => s.Tag) }), cancellationToken);

        var heartbeat = TimeSpan.FromSeconds(options.Value.StreamHeartbeatSeconds);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var rewritten = await state.RefreshAsync(dataSource, caller.ProjectId, tags is null, cancellationToken);
                if (rewritten)
                {
                    await WriteEventAsync(response, "reset", JsonSerializer.Serialize(new { run_id = runId, rewrite_version = state.RewriteVersion }), cancellationToken);
                }

                var more = false;
                foreach (var series in state.Series)
                {
                    var points = await ReadAfterAsync(dataSource, series.SeriesId, series.LastStep, cancellationToken);
                    if (points.Count == 0)
                    {
                        continue;
                    }

                    series.LastStep = points[^1].Step;
                    more |= points.Count == MaxPointsPerEvent;
                    var data = JsonSerializer.Serialize(ScalarSeries.From(runId, series.Tag, points, points.Count), ScalarsApi.SnakeCase);
                    await WriteEventAsync(response, "points", data, cancellationToken);
                }

                if (!more && !await subscription.WaitAsync(heartbeat, time, cancellationToken))
                {
                    await response.WriteAsync(": keep-alive\n\n", cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    private static async Task<List<ScalarChunkPoint>> ReadAfterAsync(NpgsqlDataSource dataSource, long seriesId, long afterStep, CancellationToken cancellationToken) =>
        afterStep == long.MaxValue
            ? []
            : await ScalarChunkReads.ReadPointsAsync(dataSource, seriesId, afterStep + 1, long.MaxValue, cancellationToken, MaxPointsPerEvent);

    private static async Task WriteEventAsync(HttpResponse response, string name, string data, CancellationToken cancellationToken)
    {
        var text = new StringBuilder().Append("event: ").Append(name).Append('\n').Append("data: ").Append(data).Append("\n\n").ToString();
        await response.WriteAsync(text, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
