using System.Net.Sockets;
using Metrics.Storage;
using Npgsql;

namespace Metrics.Cli.Console;

/// <summary>The one line a database command prints when PostgreSQL cannot be used: where, why, and how to fix it.</summary>
internal static class DatabaseErrors
{
    public static string Describe(string command, string databaseUrl, bool fromLocalStack, Exception error)
    {
        if (error is FormatException)
        {
            return $"metrics {command}: {error.Message}";
        }

        if (error is PostgresException postgres)
        {
            return $"metrics {command}: PostgreSQL at {Where(databaseUrl)} refused: {postgres.MessageText} ({postgres.SqlState}).";
        }

        if (IsUnreachable(error))
        {
            var reason = (error.InnerException ?? error).Message;
            return fromLocalStack
                ? $"metrics {command}: the local stack's database ({Where(databaseUrl)}) is not reachable ({reason}): the stack is not running; start it with `./metrics up` (or give --database-url / METRICS_DATABASE_URL)."
                : $"metrics {command}: the database at {Where(databaseUrl)} is not reachable ({reason}); check --database-url / METRICS_DATABASE_URL, or start the local stack with `./metrics up`.";
        }

        return $"metrics {command}: database error at {Where(databaseUrl)}: {error.Message}";
    }

    /// <summary>True when the URL came from neither the flag nor the environment, so from `metrics up`'s stack.json.</summary>
    public static bool FromLocalStack(string? flag) =>
        string.IsNullOrEmpty(flag) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("METRICS_DATABASE_URL"));

    private static bool IsUnreachable(Exception error) =>
        error is NpgsqlException { InnerException: SocketException or TimeoutException or IOException } || error is SocketException;

    // host:port/database, never the password.
    private static string Where(string databaseUrl)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString(databaseUrl));
            return $"{builder.Host}:{builder.Port}/{builder.Database}";
        }
        catch (FormatException)
        {
            return "(unparseable URL)";
        }
    }
}
