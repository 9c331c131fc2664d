using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Metrics.Storage.Writes;

/// <summary>
/// Runs and their writers: create-or-get a run by (project, name), register writers, merge
/// hyperparameters, and apply a writer's restart the first time it is seen.
/// </summary>
public sealed class RunStore(NpgsqlDataSource dataSource)
{
    private static readonly JsonSerializerOptions HParamJson = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Creates the project if needed; returns its id.</summary>
    public async Task<long> EnsureProjectAsync(string project, CancellationToken cancellationToken)
    {
        ProjectNames.Validate(project);
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO projects (name) VALUES ($1)
            ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
            RETURNING project_id
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = project });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Creates the run <paramref name="name"/> in the project (or finds it), registers the writer,
    /// merges <paramref name="hparams"/> (string, double or bool values) and
    /// <paramref name="hparamMetrics"/> into the run, and, when the writer id is new, applies
    /// <paramref name="restartAtStep"/>. Throws <see cref="ArgumentException"/> for a bad run name.
    /// </summary>
    public async Task<OpenRunResult> OpenRunAsync(
        long projectId,
        string name,
        string writerId,
        IReadOnlyDictionary<string, object>? hparams = null,
        long? restartAtStep = null,
        IReadOnlyList<string>? hparamMetrics = null,
        CancellationToken cancellationToken = default)
    {
        if (RunNames.Problem(name) is { } problem)
        {
            throw new ArgumentException(problem, nameof(name));
        }

        ArgumentException.ThrowIfNullOrEmpty(writerId);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        long runId;
        var runCreated = false;
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO runs (project_id, name) VALUES ($1, $2)
            ON CONFLICT (project_id, name) DO NOTHING
            RETURNING run_id
            """, connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = projectId });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            if (await insert.ExecuteScalarAsync(cancellationToken) is long created)
            {
                runId = created;
                runCreated = true;
            }
            else
            {
                await using var select = new NpgsqlCommand("SELECT run_id FROM runs WHERE project_id = $1 AND name = $2", connection, transaction);
                select.Parameters.Add(new NpgsqlParameter<long> { TypedValue = projectId });
                select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
                runId = (long)(await select.ExecuteScalarAsync(cancellationToken))!;
            }
        }

        // Lock order writers → series → runs, the same as PointWriter's, so the two never deadlock.
        long lastSeq;
        var writerCreated = false;
        await using (var writer = new NpgsqlCommand(
            """
            WITH ins AS (
                INSERT INTO writers (run_id, writer_id) VALUES ($1, $2)
                ON CONFLICT (run_id, writer_id) DO NOTHING
                RETURNING last_seq
            )
            SELECT last_seq, true FROM ins
            UNION ALL
            SELECT last_seq, false FROM writers WHERE run_id = $1 AND writer_id = $2
            """, connection, transaction))
        {
            writer.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
            writer.Parameters.Add(new NpgsqlParameter<string> { TypedValue = writerId });
            await using var reader = await writer.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            lastSeq = reader.GetInt64(0);
            writerCreated = reader.GetBoolean(1);
        }

        if (writerCreated && restartAtStep is { } step)
        {
            await RunRestarts.ApplyAsync(connection, runId, step, bumpRun: true, cancellationToken);
        }

        if (hparams is { Count: > 0 } || hparamMetrics is { Count: > 0 })
        {
            await using var merge = new NpgsqlCommand(
                """
                UPDATE runs SET
                    hparams = hparams || $2,
                    hparam_metrics = ARRAY(
                        SELECT m FROM unnest(hparam_metrics || $3) WITH ORDINALITY AS t(m, i)
                        GROUP BY m ORDER BY min(i)),
                    data_version = data_version + 1
                WHERE run_id = $1 AND NOT (hparams @> $2 AND hparam_metrics @> $3)
                RETURNING pg_notify('metrics_commits', run_id::text)
                """, connection, transaction);
            merge.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
            merge.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(hparams ?? new Dictionary<string, object>(), HParamJson), NpgsqlDbType = NpgsqlDbType.Jsonb });
            merge.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. hparamMetrics ?? []] });
            await merge.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new OpenRunResult(runId, lastSeq, runCreated, writerCreated);
    }

    /// <summary>
    /// Before a writer's stream: checks that run <paramref name="runId"/> belongs to the project,
    /// registers the writer if it is new, and returns its last committed batch seq.
    /// </summary>
    public async Task<WriterOpenResult> OpenWriterAsync(long projectId, long runId, string writerId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH r AS (SELECT run_id, project_id FROM runs WHERE run_id = $1),
            ins AS (
                INSERT INTO writers (run_id, writer_id)
                SELECT run_id, $2 FROM r WHERE project_id = $3
                ON CONFLICT (run_id, writer_id) DO NOTHING
                RETURNING last_seq
            )
            SELECT r.project_id,
                   coalesce((SELECT last_seq FROM ins), (SELECT last_seq FROM writers WHERE run_id = $1 AND writer_id = $2), 0)
            FROM r
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = writerId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = projectId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return new WriterOpenResult(WriterOpenStatus.RunNotFound, 0);
        }

        return reader.GetInt64(0) != projectId
            ? new WriterOpenResult(WriterOpenStatus.OtherProject, 0)
            : new WriterOpenResult(WriterOpenStatus.Opened, reader.GetInt64(1));
    }
}
