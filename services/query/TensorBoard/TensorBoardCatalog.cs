using Google.Protobuf;
using Grpc.Core;
using Metrics.Contracts.TensorBoard;
using Metrics.Query.Runs;
using Metrics.Query.Tags;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Metrics.Query.TensorBoard;

/// <summary>
/// What the TensorBoard port may see, read from PostgreSQL on every call (so it is live): the
/// experiments (allowed projects), their runs, plugins and series. Only series with points are
/// listed, as TensorBoard lists only time series it holds data for.
/// </summary>
internal sealed class TensorBoardCatalog(NpgsqlDataSource dataSource, LastWallTimes lastWallTimes, IOptions<TensorBoardOptions> options)
{
    /// <summary>The projects experiment <paramref name="experimentId"/> serves; NOT_FOUND for a project that does not exist or is not served.</summary>
    public async Task<TensorBoardExperiment> ExperimentAsync(string experimentId, CancellationToken cancellationToken)
    {
        var allowed = options.Value.AllowedProjects;
        string[]? names = experimentId.Length == 0 ? allowed?.ToArray() : [experimentId];
        if (experimentId.Length > 0 && allowed is not null && !allowed.Contains(experimentId))
        {
            throw NotFound(experimentId);
        }

        await using var command = dataSource.CreateCommand(
            """
            SELECT project_id, name, created_at FROM projects
            WHERE $1::text[] IS NULL OR name = ANY($1)
            ORDER BY name COLLATE "C"
            """);
        command.Parameters.Add(TextArray(names));
        var projects = new List<TensorBoardProject>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            projects.Add(new TensorBoardProject(reader.GetInt64(0), reader.GetString(1), reader.GetDateTime(2)));
        }

        return experimentId.Length > 0 && projects.Count == 0 ? throw NotFound(experimentId) : new TensorBoardExperiment(experimentId, projects);
    }

    /// <summary>Whether the TensorBoard port serves project <paramref name="projectId"/>.</summary>
    public async Task<bool> ServesAsync(long projectId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT name FROM projects WHERE project_id = $1");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = projectId });
        return await command.ExecuteScalarAsync(cancellationToken) is string name && options.Value.AllowedProjects?.Contains(name) != false;
    }

    /// <summary>
    /// Runs with at least one point, by name; a run starts at the wall time of its earliest first
    /// point (the first step of each series, found by primary-key seeks).
    /// </summary>
    public async Task<List<(string Name, double StartTime)>> RunsAsync(TensorBoardExperiment experiment, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT p.name, r.name, st.start_time
            FROM projects p
            JOIN runs r ON r.project_id = p.project_id
            CROSS JOIN LATERAL (
                SELECT min(COALESCE(
                    (SELECT x.first_wall_time FROM all_scalar_chunks x WHERE s.data_class = 1 AND x.series_id = s.series_id ORDER BY x.first_step LIMIT 1),
                    (SELECT x.wall_time FROM tensor_points x WHERE s.data_class = 2 AND x.series_id = s.series_id ORDER BY x.step LIMIT 1),
                    (SELECT x.wall_time FROM blob_points x WHERE s.data_class = 3 AND x.series_id = s.series_id ORDER BY x.step LIMIT 1))) AS start_time
                FROM series s
                WHERE s.run_id = r.run_id AND s.point_count > 0
            ) st
            WHERE p.project_id = ANY($1) AND st.start_time IS NOT NULL
            ORDER BY p.name COLLATE "C", r.name COLLATE "C"
            """);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = experiment.ProjectIds });
        var runs = new List<(string, double)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add((experiment.RunName(reader.GetString(0), reader.GetString(1)), reader.GetDouble(2)));
        }

        return runs;
    }

    /// <summary>The plugins of the experiment's series that have points.</summary>
    public async Task<List<string>> PluginsAsync(TensorBoardExperiment experiment, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT DISTINCT s.plugin_name COLLATE "C"
            FROM runs r JOIN series s ON s.run_id = r.run_id
            WHERE r.project_id = ANY($1) AND s.point_count > 0
            ORDER BY 1
            """);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = experiment.ProjectIds });
        var plugins = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            plugins.Add(reader.GetString(0));
        }

        return plugins;
    }

    /// <summary>
    /// The series of one data class that pass <paramref name="filter"/>, by run and tag. When
    /// <paramref name="listing"/>, also each one's max wall time (scalars and tensors: of the last
    /// step, <see cref="LastWallTimes"/>; blob sequences: over every point, with the longest point's length).
    /// </summary>
    public async Task<List<TensorBoardSeries>> SeriesAsync(TensorBoardExperiment experiment, SeriesFilter filter, short dataClass, bool listing, CancellationToken cancellationToken)
    {
        if (filter.MatchesNothing || experiment.Projects.Count == 0)
        {
            return [];
        }

        // Blob series are short (images, audio, graphs): their extent is read with them; the last
        // wall times of scalars and tensors come from LastWallTimes below.
        var extent = listing && dataClass == DataClasses.BlobSequence
            ? "SELECT max(x.wall_time) AS max_wall_time, max(cardinality(x.blob_keys))::bigint AS max_length FROM blob_points x WHERE x.series_id = s.series_id"
            : "SELECT NULL::float8 AS max_wall_time, NULL::bigint AS max_length";
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT p.project_id, p.name, r.run_id, r.name, r.data_version, r.rewrite_version,
                   s.series_id, s.tag, s.plugin_content, s.display_name, s.description, s.point_count, s.max_step,
                   e.max_wall_time, e.max_length
            FROM projects p
            JOIN runs r ON r.project_id = p.project_id
            JOIN series s ON s.run_id = r.run_id
            CROSS JOIN LATERAL ({extent}) e
            WHERE p.project_id = ANY($1) AND s.data_class = $2 AND s.plugin_name = $3 AND s.point_count > 0
              AND ($4::text[] IS NULL OR (CASE WHEN $5 THEN p.name || '/' || r.name ELSE r.name END) = ANY($4))
              AND ($6::text[] IS NULL OR s.tag = ANY($6))
            ORDER BY p.name COLLATE "C", r.name COLLATE "C", s.tag COLLATE "C"
            """);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = experiment.ProjectIds });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = dataClass });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = filter.PluginName });
        command.Parameters.Add(TextArray(filter.Runs));
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = experiment.PrefixesRuns });
        command.Parameters.Add(TextArray(filter.Tags));
        var series = new List<TensorBoardSeries>();
        // Series of a plugin mostly share their metadata (a sweep's 10,000 scalars have one): one
        // message each, referenced by every entry (the response is only serialized).
        var shared = new Dictionary<(ByteString Content, string DisplayName, string Description), SummaryMetadata>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var tag = reader.GetString(7);
            var key = (ByteString.CopyFrom(reader.GetFieldValue<byte[]>(8)), reader.GetString(9), reader.GetString(10));
            if (!shared.TryGetValue(key, out var metadata))
            {
                metadata = new SummaryMetadata
                {
                    PluginData = new SummaryMetadata.Types.PluginData { PluginName = filter.PluginName, Content = key.Item1 },
                    DisplayName = key.Item2,
                    SummaryDescription = key.Item3,
                    DataClass = (DataClass)dataClass,
                };
                shared.Add(key, metadata);
            }

            var maxStep = reader.IsDBNull(12) ? 0 : reader.GetInt64(12);
            var reference = new SeriesRef(reader.GetInt64(2), reader.GetInt64(6), tag, dataClass, filter.PluginName, reader.GetInt64(11), reader.GetInt64(4), reader.GetInt64(5));
            series.Add(new TensorBoardSeries(
                reader.GetInt64(0),
                experiment.RunName(reader.GetString(1), reader.GetString(3)),
                reference,
                metadata,
                maxStep,
                reader.IsDBNull(13) ? 0 : reader.GetDouble(13),
                reader.IsDBNull(14) ? 0 : reader.GetInt64(14)));
        }

        if (listing && dataClass != DataClasses.BlobSequence)
        {
            var wallTimes = await lastWallTimes.GetAsync(series, dataClass, cancellationToken);
            for (var i = 0; i < series.Count; i++)
            {
                series[i] = series[i] with { MaxWallTime = wallTimes[i] };
            }
        }

        return series;
    }

    private static NpgsqlParameter TextArray(string[]? values) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = (object?)values ?? DBNull.Value };

    private static RpcException NotFound(string experimentId) =>
        new(new Status(StatusCode.NotFound, $"experiment '{Auth.Caller.Truncate(experimentId)}' not found"));
}
