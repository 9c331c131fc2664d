using Npgsql;

namespace Metrics.Exporter.Tests.Support;

/// <summary>What the database says about export progress.</summary>
internal static class ExportProgress
{
    /// <summary>True when every run of the database has progress recorded at its current data and rewrite versions.</summary>
    public static async Task<bool> AllCaughtUpAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT count(*) FROM runs r LEFT JOIN export_state e USING (run_id)
            WHERE e.run_id IS NULL OR e.data_version <> r.data_version OR e.rewrite_version <> r.rewrite_version
            """);
        return (long)(await command.ExecuteScalarAsync())! == 0;
    }

    /// <summary>True when <paramref name="project"/> has <paramref name="runs"/> runs, each with progress recorded at its current versions.</summary>
    public static async Task<bool> ProjectCaughtUpAsync(NpgsqlDataSource dataSource, string project, int runs)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT count(*), count(*) FILTER (WHERE e.data_version = r.data_version AND e.rewrite_version = r.rewrite_version)
            FROM runs r JOIN projects p USING (project_id) LEFT JOIN export_state e USING (run_id)
            WHERE p.name = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = project });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetInt64(0) == runs && reader.GetInt64(1) == runs;
    }

    /// <summary>Run id → the replica id whose lock connection holds the run's advisory lock.</summary>
    public static async Task<Dictionary<long, string>> LockHoldersAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT l.objid::bigint, substr(a.application_name, length('metrics-exporter-locks:') + 1)
            FROM pg_locks l JOIN pg_stat_activity a USING (pid)
            WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 1296390224::oid AND l.objsubid = 2
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var holders = new Dictionary<long, string>();
        while (await reader.ReadAsync())
        {
            holders[reader.GetInt64(0)] = reader.GetString(1);
        }

        return holders;
    }
}
