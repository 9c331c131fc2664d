using Npgsql;

namespace Metrics.Storage.Writes;

/// <summary>Which database errors are worth retrying: lost connections, serialization and deadlock failures, overload, restarts.</summary>
public static class PostgresFaults
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        PostgresException pg => pg.IsTransient || pg.SqlState is "40001" or "40P01" or "53300" or "53400" or "57P01" or "57P02" or "57P03"
            || pg.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException npgsql => npgsql.IsTransient,
        TimeoutException => true,
        _ => false,
    };
}
