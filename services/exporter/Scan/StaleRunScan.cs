using Metrics.Exporter.Export;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Exporter.Scan;

/// <summary>
/// The safety net under NOTIFY: runs (of the exported projects) whose data_version or
/// rewrite_version differ from their recorded export progress, or that have none yet.
/// </summary>
internal sealed class StaleRunScan(NpgsqlDataSource dataSource, IOptions<ExporterOptions> options)
{
    public async Task<List<long>> FindAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT r.run_id FROM runs r
            JOIN projects p USING (project_id)
            LEFT JOIN export_state e USING (run_id)
            WHERE (e.run_id IS NULL OR e.data_version <> r.data_version OR e.rewrite_version <> r.rewrite_version)
              AND (cardinality($1::text[]) = 0 OR p.name = ANY($1))
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. options.Value.ProjectSet] });
        var runs = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(reader.GetInt64(0));
        }

        return runs;
    }
}
