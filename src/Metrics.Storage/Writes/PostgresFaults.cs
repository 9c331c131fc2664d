using Npgsql;

namespace Metrics.Storage.Writes;

/// <summary>Which database errors are worth retrying: lost connections, serialization and deadlock failures, overload, restarts, failovers.</summary>
public static class PostgresFaults
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        PostgresException pg => pg.IsTransient || pg.SqlState is "40001" or "40P01" or "53300" or "53400" or "57P01" or "57P02" or "57P03"
            || pg.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException npgsql => npgsql.IsTransient || IsNoSuitableHost(npgsql)
            || npgsql.InnerException is AggregateException { InnerExceptions.Count: > 0 } hosts && hosts.InnerExceptions.All(IsTransient),
        TimeoutException => true,
        _ => false,
    };

    /// <summary>
    /// A multi-host URL (issue #19) with no server of the wanted kind right now: during a failover
    /// no host is read-write until the standby is promoted. Npgsql says IsTransient false and has
    /// no type or code for it, only this message; a retry finds the new primary. (When some hosts
    /// failed to connect, it says "Unable to connect to a suitable host" with their errors inside.)
    /// </summary>
    private static bool IsNoSuitableHost(NpgsqlException exception) =>
        exception.Message.StartsWith("No suitable host was found", StringComparison.Ordinal);
}
