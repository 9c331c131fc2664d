using System.Security.Claims;
using System.Text.Json;
using Dapper;
using Metrics.Query.Auth;
using Metrics.Query.Errors;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using NpgsqlTypes;

namespace Metrics.Query.Runs;

/// <summary>GET /projects/{project}/runs (filtered, sorted, cursor-paged) and GET /runs/{runId}.</summary>
internal static class RunsApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static RouteGroupBuilder MapRunsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/projects/{project}/runs", ListAsync)
            .WithName("ListRuns")
            .WithSummary("A project's runs, filtered by name prefix, exact name and hparam.<name>=<value>, cursor-paged")
            .Produces<RunPage>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/runs/{runId:long}", GetAsync)
            .WithName("GetRun")
            .WithSummary("One run: hparams, writers, step and wall-time range, last write time")
            .Produces<RunDetails>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<RunPage> ListAsync(
        string project,
        string? prefix,
        string? name,
        string? cursor,
        int? limit,
        string? sort,
        ClaimsPrincipal user,
        HttpRequest request,
        NpgsqlDataSource dataSource,
        CancellationToken cancellationToken)
    {
        var caller = Caller.From(user);
        caller.RequireProject(project);
        var pageSize = limit ?? DefaultLimit;
        if (pageSize is < 1 or > MaxLimit)
        {
            throw QueryProblemException.BadParameter("limit", $"limit must be between 1 and {MaxLimit}");
        }

        CheckText("prefix", prefix);
        CheckText("name", name);
        var order = RunSort.Parse(sort);
        var after = RunCursor.Decode(cursor, order);
        var hparams = HparamFilter.Parse(request.Query);

        // Only constant fragments of RunSort are spliced in; every value is a parameter.
        var sql = $"""
            SELECT r.run_id, r.name, r.created_at, r.last_write_at, r.hparams::text
            FROM runs r
            WHERE r.project_id = $1
              AND ($2::text IS NULL OR starts_with(r.name, $2))
              AND ($3::text IS NULL OR r.name = $3)
              AND ($4::jsonb IS NULL OR NOT EXISTS (
                    SELECT 1 FROM jsonb_each($4::jsonb) AS f(key, accepted)
                    WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(f.accepted) AS a(value) WHERE r.hparams -> f.key = a.value)))
              AND ($8 OR {order.After})
            ORDER BY {order.OrderBy}
            LIMIT $9
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = caller.ProjectId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)prefix ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)name ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)hparams ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)after?.Name ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = after?.LastWriteTicks is { } ticks ? new DateTime(ticks, DateTimeKind.Utc) : DBNull.Value,
            NpgsqlDbType = NpgsqlDbType.TimestampTz,
        });
        command.Parameters.Add(new NpgsqlParameter { Value = after?.RunId ?? 0L, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = after is null, NpgsqlDbType = NpgsqlDbType.Boolean });
        command.Parameters.Add(new NpgsqlParameter { Value = pageSize + 1, NpgsqlDbType = NpgsqlDbType.Integer });

        var runs = new List<RunSummary>(Math.Min(pageSize + 1, 64));
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                runs.Add(new RunSummary(reader.GetInt64(0), reader.GetString(1), reader.GetDateTime(2), reader.GetDateTime(3), ParseJson(reader.GetString(4))));
            }
        }

        string? next = null;
        if (runs.Count > pageSize)
        {
            runs.RemoveAt(runs.Count - 1);
            var last = runs[^1];
            next = new RunCursor(order.Name, order.Key == RunSortKey.Name ? last.Name : null, order.Key == RunSortKey.LastWrite ? last.LastWriteAt.Ticks : null, last.RunId).Encode();
        }

        return new RunPage(runs, next);
    }

    private static async Task<RunDetails> GetAsync(long runId, ClaimsPrincipal user, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var caller = Caller.From(user);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Three statements, one round trip; every one re-checks the project, so a run of another
        // project yields nothing at all.
        var command = new CommandDefinition(
            $"""
            SELECT r.run_id, r.name, r.created_at, r.last_write_at, r.data_version, r.rewrite_version, r.hparams::text AS hparams,
                   -- text[] as JSON: Dapper matches constructors by the reader's field types, and an array column reports System.Array.
                   to_jsonb(r.hparam_metrics)::text AS hparam_metrics,
                   (SELECT count(*)::int FROM series s WHERE s.run_id = r.run_id) AS series_count,
                   (SELECT coalesce(sum(s.point_count), 0)::bigint FROM series s WHERE s.run_id = r.run_id) AS point_count
            FROM runs r
            WHERE r.run_id = @RunId AND r.project_id = @ProjectId;

            SELECT min(e.first_step) AS first_step, max(e.last_step) AS last_step,
                   min(e.first_wall_time) AS first_wall_time, max(e.last_wall_time) AS last_wall_time
            FROM series s
            CROSS JOIN LATERAL ({SeriesExtent.Sql}) e
            WHERE s.run_id = @RunId AND EXISTS (SELECT 1 FROM runs r WHERE r.run_id = @RunId AND r.project_id = @ProjectId);

            SELECT w.writer_id, w.last_seq, w.points, w.first_seen_at, w.last_write_at
            FROM writers w JOIN runs r USING (run_id)
            WHERE w.run_id = @RunId AND r.project_id = @ProjectId
            ORDER BY w.writer_id;
            """,
            new { RunId = runId, caller.ProjectId },
            cancellationToken: cancellationToken);
        await using var results = await connection.QueryMultipleAsync(command);
        var run = await results.ReadSingleOrDefaultAsync<RunRow>()
            ?? throw QueryProblemException.NotFound($"run {runId} not found", "runId");
        var extent = await results.ReadSingleAsync<RunExtent>();
        var writers = (await results.ReadAsync<RunWriter>()).AsList();
        return new RunDetails(runId, caller.Project, run.Name, run.CreatedAt, run.LastWriteAt, run.DataVersion, run.RewriteVersion,
            ParseJson(run.Hparams), JsonSerializer.Deserialize<string[]>(run.HparamMetrics) ?? [], run.SeriesCount, run.PointCount,
            extent.FirstStep, extent.LastStep, extent.FirstWallTime, extent.LastWallTime, writers);
    }

    /// <summary>Refuses text parameters no run name could match (NUL, absurd length) with a 400 naming them.</summary>
    public static void CheckText(string parameter, string? value, int maxLength = 4096)
    {
        if (value is null)
        {
            return;
        }

        if (value.Length > maxLength || value.Contains('\0', StringComparison.Ordinal))
        {
            throw QueryProblemException.BadParameter(parameter, $"{parameter} must be at most {maxLength} characters without NUL");
        }
    }

    private static JsonElement ParseJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
