using Npgsql;
using NpgsqlTypes;

namespace Metrics.Query.Stream;

/// <summary>What a live tail follows: the run's scalar series and the last step sent of each.</summary>
internal sealed class TailState
{
    public long RunId { get; private init; }

    public long RewriteVersion { get; private set; }

    public List<TailSeries> Series { get; } = [];

    /// <summary>The run's series (those of <paramref name="tags"/>, or all scalar ones), starting at <paramref name="fromStep"/> (inclusive, as the scalars route's from_step) or after what exists now; null for an unknown run.</summary>
    public static async Task<TailState?> LoadAsync(NpgsqlDataSource dataSource, long projectId, long runId, string[]? tags, long? fromStep, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT r.rewrite_version, s.series_id, s.tag,
                   (SELECT c.last_step FROM all_scalar_chunks c WHERE c.series_id = s.series_id ORDER BY c.first_step DESC LIMIT 1)
            FROM runs r
            LEFT JOIN series s ON s.run_id = r.run_id AND s.data_class = 1 AND ($3::text[] IS NULL OR s.tag = ANY($3))
            WHERE r.run_id = $1 AND r.project_id = $2
            ORDER BY s.tag
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        command.Parameters.Add(new NpgsqlParameter { Value = projectId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)tags ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        TailState? state = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            state ??= new TailState { RunId = runId, RewriteVersion = reader.GetInt64(0) };
            if (!reader.IsDBNull(1))
            {
                var last = reader.IsDBNull(3) ? long.MinValue : reader.GetInt64(3);
                state.Series.Add(new TailSeries(reader.GetInt64(1), reader.GetString(2)) { LastStep = fromStep is { } from ? (from == long.MinValue ? from : from - 1) : last });
            }
        }

        return state;
    }

    /// <summary>
    /// Re-reads the run: picks up new scalar series (when following all tags, from their first
    /// point) and, when the run was rewritten, restarts every series after its current last step.
    /// Returns whether the run was rewritten.
    /// </summary>
    public async Task<bool> RefreshAsync(NpgsqlDataSource dataSource, long projectId, bool followNewTags, CancellationToken cancellationToken)
    {
        var fresh = await LoadAsync(dataSource, projectId, RunId, followNewTags ? null : [.. Series.Select(s => s.Tag)], null, cancellationToken);
        if (fresh is null)
        {
            return false;
        }

        var rewritten = fresh.RewriteVersion != RewriteVersion;
        RewriteVersion = fresh.RewriteVersion;
        foreach (var series in fresh.Series)
        {
            var known = Series.Find(s => s.SeriesId == series.SeriesId);
            if (known is null)
            {
                Series.Add(new TailSeries(series.SeriesId, series.Tag) { LastStep = long.MinValue });
            }
            else if (rewritten)
            {
                known.LastStep = series.LastStep;
            }
        }

        return rewritten;
    }
}
