using System.Security.Claims;
using System.Text.Json;
using Metrics.Query.Auth;
using Metrics.Query.Errors;
using Metrics.Query.Runs;
using Npgsql;
using NpgsqlTypes;

namespace Metrics.Query.HParams;

/// <summary>
/// GET /projects/{project}/hparams: runs with hparams × their final metric values. A run's metrics
/// are its hparam_metrics when it declares some (HParams session_start_info), else all its scalar tags.
/// </summary>
internal static class HParamsApi
{
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 10_000;

    public static RouteGroupBuilder MapHParamsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/projects/{project}/hparams", GetAsync)
            .WithName("GetHParams")
            .WithSummary("Runs with hparams × final metric values (the HParams dashboard's table), filtered by run name prefix")
            .Produces<HParamsTable>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<HParamsTable> GetAsync(string project, string? prefix, int? limit, ClaimsPrincipal user, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var caller = Caller.From(user);
        caller.RequireProject(project);
        RunsApi.CheckText("prefix", prefix);
        var max = limit ?? DefaultLimit;
        if (max is < 1 or > MaxLimit)
        {
            throw QueryProblemException.BadParameter("limit", $"limit must be between 1 and {MaxLimit}");
        }

        await using var command = dataSource.CreateCommand(
            """
            WITH chosen AS (
                SELECT r.run_id, r.name, r.hparams, r.hparam_metrics
                FROM runs r
                WHERE r.project_id = $1 AND r.hparams <> '{}'::jsonb AND ($2::text IS NULL OR starts_with(r.name, $2))
                ORDER BY r.name
                LIMIT $3
            )
            SELECT c.run_id, c.name, c.hparams::text, s.tag, p.step, p.wall_time, p.value
            FROM chosen c
            LEFT JOIN series s ON s.run_id = c.run_id AND s.data_class = 1
                 AND (cardinality(c.hparam_metrics) = 0 OR s.tag = ANY(c.hparam_metrics))
            LEFT JOIN LATERAL (
                SELECT c.last_step AS step, c.last_wall_time AS wall_time, c.last_value AS value FROM all_scalar_chunks c
                WHERE c.series_id = s.series_id ORDER BY c.first_step DESC LIMIT 1
            ) p ON true
            ORDER BY c.name, s.tag
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = caller.ProjectId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)prefix ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = max + 1 });

        var runs = new List<HParamsRun>();
        Dictionary<string, HParamsMetricValue>? metrics = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var runId = reader.GetInt64(0);
            if (runs.Count == 0 || runs[^1].RunId != runId)
            {
                using var document = JsonDocument.Parse(reader.GetString(2));
                var hparams = document.RootElement.Clone();
                metrics = new Dictionary<string, HParamsMetricValue>(StringComparer.Ordinal);
                runs.Add(new HParamsRun(runId, reader.GetString(1), hparams, metrics));
            }

            if (!reader.IsDBNull(3) && !reader.IsDBNull(4))
            {
                var tag = reader.GetString(3);
                metrics![tag] = new HParamsMetricValue(reader.GetInt64(4), reader.GetDouble(5), reader.GetDouble(6));
            }
        }

        var truncated = runs.Count > max;
        if (truncated)
        {
            runs.RemoveAt(runs.Count - 1);
        }

        var hparamNames = runs.Where(r => r.Hparams.ValueKind == JsonValueKind.Object)
            .SelectMany(r => r.Hparams.EnumerateObject().Select(p => p.Name)).Distinct().Order(StringComparer.Ordinal);
        var metricNames = runs.SelectMany(r => r.Metrics.Keys).Distinct().Order(StringComparer.Ordinal);
        return new HParamsTable([.. hparamNames], [.. metricNames], runs, truncated);
    }
}
