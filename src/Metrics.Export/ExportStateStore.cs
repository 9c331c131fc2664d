using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Metrics.Export;

/// <summary>Reads and records export progress; a record is a compare-and-set on the previous one.</summary>
public sealed class ExportStateStore(NpgsqlDataSource dataSource)
{
    public async Task<ExportState?> LoadAsync(long runId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT generation, file_name, byte_length, data_version, rewrite_version, series_steps::text
            FROM export_state WHERE run_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var steps = JsonSerializer.Deserialize<Dictionary<long, long>>(reader.GetString(5)) ?? [];
        return new ExportState(reader.GetInt32(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), steps);
    }

    /// <summary>
    /// Records <paramref name="next"/> if the stored progress is still <paramref name="previous"/>
    /// (null: no row yet). False means another exporter moved the run on: stop writing it.
    /// </summary>
    public async Task<bool> TryRecordAsync(long runId, ExportState? previous, ExportState next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        var steps = JsonSerializer.Serialize(next.SeriesSteps);
        await using var command = previous is null
            ? dataSource.CreateCommand(
                """
                INSERT INTO export_state (run_id, generation, file_name, byte_length, data_version, rewrite_version, series_steps)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (run_id) DO NOTHING
                """)
            : dataSource.CreateCommand(
                """
                UPDATE export_state SET generation = $2, file_name = $3, byte_length = $4, data_version = $5,
                    rewrite_version = $6, series_steps = $7, updated_at = now()
                WHERE run_id = $1 AND generation = $8 AND file_name = $9 AND byte_length = $10
                """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = next.Generation });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = next.FileName });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = next.ByteLength });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = next.DataVersion });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = next.RewriteVersion });
        command.Parameters.Add(new NpgsqlParameter { Value = steps, NpgsqlDbType = NpgsqlDbType.Jsonb });
        if (previous is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = previous.Generation });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = previous.FileName });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = previous.ByteLength });
        }

        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
