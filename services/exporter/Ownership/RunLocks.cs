using Metrics.Exporter.Export;
using Metrics.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Exporter.Ownership;

/// <summary>
/// Which runs this replica owns: PostgreSQL session advisory locks (class <see cref="LockClass"/>,
/// key the run id) held on one dedicated connection. When the replica dies, or its connection
/// does, PostgreSQL drops its locks and other replicas take its runs. The connection is unpooled
/// on purpose (a pooled one could be reset or shared) and carries the application name
/// <see cref="ApplicationNamePrefix"/> + replica id, which is how replicas count each other.
/// Used by the scheduler loop only (one caller at a time).
/// </summary>
internal sealed class RunLocks(IOptions<DatabaseOptions> database, IOptions<ExporterOptions> options) : IAsyncDisposable
{
    /// <summary>'MEXP': the first key of the exporter's two-key advisory locks.</summary>
    public const int LockClass = 0x4D455850;

    public const string ApplicationNamePrefix = "metrics-exporter-locks:";

    private NpgsqlConnection? _connection;

    public bool IsConnected => _connection is { State: System.Data.ConnectionState.Open };

    /// <summary>Takes run <paramref name="runId"/> unless another replica holds it.</summary>
    public async Task<bool> TryLockAsync(long runId, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, $2)", connection);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = LockClass });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Key(runId) });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task UnlockAsync(long runId, CancellationToken cancellationToken)
    {
        if (!IsConnected)
        {
            return;
        }

        await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1, $2)", _connection);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = LockClass });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Key(runId) });
        await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>
    /// Keeps the connection open (an open one is how other replicas count this one) and checks it.
    /// False when it was lost, and with it every lock: the caller drops its runs.
    /// </summary>
    public async Task<bool> HeartbeatAsync(CancellationToken cancellationToken)
    {
        if (_connection is null)
        {
            await ConnectAsync(cancellationToken);
            return true; // Nothing was held on no connection.
        }

        try
        {
            await using var command = new NpgsqlCommand("SELECT 1", _connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            await DropConnectionAsync();
            return false;
        }
    }

    /// <summary>Live exporter replicas (their lock connections) and run locks held by all of them.</summary>
    public async Task<(int Replicas, int Held)> CountAsync(CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT
                (SELECT count(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND application_name LIKE 'metrics-exporter-locks:%')::int,
                (SELECT count(*) FROM pg_locks
                 WHERE locktype = 'advisory' AND granted AND classid = $1::oid AND objsubid = 2
                   AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))::int
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockClass });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (Math.Max(1, reader.GetInt32(0)), reader.GetInt32(1));
    }

    /// <summary>Closes the connection: PostgreSQL releases every lock it held.</summary>
    public async Task DropConnectionAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => new(DropConnectionAsync());

    private static int Key(long runId) => unchecked((int)runId);

    private async Task<NpgsqlConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (IsConnected)
        {
            return _connection!;
        }

        await DropConnectionAsync();
        var builder = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString(database.Value.Url))
        {
            Pooling = false,
            ApplicationName = ApplicationNamePrefix + options.Value.EffectiveReplicaId,
            KeepAlive = 5,
            TcpKeepAlive = true,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        _connection = connection;
        return connection;
    }
}
