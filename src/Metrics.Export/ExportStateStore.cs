using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Metrics.Export;

/// <summary>
/// Reads and records export progress. Taking a run increments its owner epoch (a fencing token);
/// a record is a compare-and-set on that epoch and on the previous record (docs/exporter.md).
/// </summary>
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
    /// Takes run <paramref name="runId"/> for <paramref name="owner"/>: increments its owner epoch (the
    /// fencing token; the row is created when the run has none) and returns it with the recorded
    /// progress and the owner that recorded the current file unless it released the run, read in
    /// the same transaction.
    /// </summary>
    public async Task<ExportClaim> ClaimAsync(long runId, string owner, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        // One implicit transaction; the row lock serializes racing claims.
        await using var batch = dataSource.CreateBatch();
        var ensure = new NpgsqlBatchCommand("INSERT INTO export_state (run_id) VALUES ($1) ON CONFLICT (run_id) DO NOTHING");
        ensure.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        var claim = new NpgsqlBatchCommand(
            """
            UPDATE export_state SET owner_epoch = owner_epoch + 1, owner = $2
            WHERE run_id = $1
            RETURNING owner_epoch, generation, file_name, byte_length, data_version, rewrite_version,
                series_steps::text, writer
            """);
        claim.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
        batch.BatchCommands.Add(ensure);
        batch.BatchCommands.Add(claim);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var steps = JsonSerializer.Deserialize<Dictionary<long, long>>(reader.GetString(6)) ?? [];
        var state = new ExportState(reader.GetInt32(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), steps);
        return new ExportClaim(reader.GetInt64(0), state, reader.IsDBNull(7) ? null : reader.GetString(7));
    }

    /// <summary>
    /// Records <paramref name="next"/> if the run is still held at <paramref name="epoch"/> and the
    /// stored progress is still <paramref name="previous"/>, with the holder as the file's writer.
    /// False means another exporter took the run or moved it on: stop writing it.
    /// </summary>
    public async Task<bool> TryRecordAsync(long runId, long epoch, ExportState previous, ExportState next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(next);
        await using var command = dataSource.CreateCommand(
            """
            UPDATE export_state SET generation = $2, file_name = $3, byte_length = $4, data_version = $5,
                rewrite_version = $6, series_steps = $7, writer = owner, updated_at = now()
            WHERE run_id = $1 AND owner_epoch = $8 AND generation = $9 AND file_name = $10 AND byte_length = $11
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = next.Generation });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = next.FileName });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = next.ByteLength });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = next.DataVersion });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = next.RewriteVersion });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(next.SeriesSteps), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = epoch });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = previous.Generation });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = previous.FileName });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = previous.ByteLength });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Marks the run released by the owner of <paramref name="epoch"/>, whose file is closed: the next
    /// owner may append to it (unless another owner's session wrote it: that one keeps it fenced).
    /// False when another exporter has taken the run since.
    /// </summary>
    public async Task<bool> ReleaseAsync(long runId, long epoch, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE export_state SET writer = CASE WHEN writer = owner THEN NULL ELSE writer END, owner = NULL
            WHERE run_id = $1 AND owner_epoch = $2
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = epoch });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
