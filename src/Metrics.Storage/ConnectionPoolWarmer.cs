using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Storage;

/// <summary>
/// Opens METRICS_DATABASE_MIN_POOL connections at start-up, all at once, so the first burst of
/// concurrent requests finds PostgreSQL backends ready instead of starting one each (8 new backends
/// at once cost 100–200 ms a request on 2 cores; docs/benchmarks.md). Npgsql then keeps that many
/// open when idle. A database not reachable yet (a service started before PostgreSQL) is tried
/// again through <see cref="ReconnectBackoff"/>, as the start-up wait does; requests meanwhile open
/// their own connections.
/// </summary>
public sealed partial class ConnectionPoolWarmer(NpgsqlDataSource dataSource, IOptions<DatabaseOptions> options, TimeProvider time, ILogger<ConnectionPoolWarmer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var count = options.Value.MinPoolSize ?? 0;
        if (count == 0)
        {
            return;
        }

        var retry = ReconnectBackoff.Create(time, e => e is NpgsqlException or TimeoutException, (e, delay) => LogWarmFailed(logger, count, delay.TotalMilliseconds, e));
        try
        {
            await retry.ExecuteAsync(async cancel => await WarmAsync(dataSource, count, cancel), stoppingToken);
            LogWarmed(logger, count);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down before the database answered: nothing to warm for.
        }
    }

    /// <summary>Holds <paramref name="count"/> connections open together, each having run one statement, then returns them to the pool.</summary>
    public static async Task WarmAsync(NpgsqlDataSource dataSource, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var opening = Enumerable.Range(0, count).Select(_ => OpenAsync(dataSource, cancellationToken)).ToArray();
        try
        {
            await Task.WhenAll(opening); // every open ends before the first failure is thrown
        }
        finally
        {
            foreach (var open in opening.Where(t => t.IsCompletedSuccessfully))
            {
                await open.Result.DisposeAsync();
            }
        }
    }

    private static async Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Opened {Count} database connections ahead of the first requests (METRICS_DATABASE_MIN_POOL)")]
    private static partial void LogWarmed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not open {Count} database connections ahead of the first requests; trying again in {DelayMs} ms")]
    private static partial void LogWarmFailed(ILogger logger, int count, double delayMs, Exception exception);
}
