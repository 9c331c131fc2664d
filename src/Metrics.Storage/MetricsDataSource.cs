using Dapper;
using Npgsql;

namespace Metrics.Storage;

/// <summary>Builds the one NpgsqlDataSource a process uses.</summary>
public static class MetricsDataSource
{
    // Metadata reads go through Dapper: snake_case columns map onto PascalCase record parameters.
    static MetricsDataSource() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    /// <summary>A data source for <paramref name="databaseUrl"/> (URL or keyword form); idle pruning keeps <paramref name="minPoolSize"/> connections open.</summary>
    public static NpgsqlDataSource Create(string databaseUrl, int maxPoolSize = 50, int commandTimeoutSeconds = 60, string applicationName = "metrics", int minPoolSize = 0)
    {
        var builder = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString(databaseUrl))
        {
            MaxPoolSize = maxPoolSize,
            MinPoolSize = Math.Min(minPoolSize, maxPoolSize),
            CommandTimeout = commandTimeoutSeconds,
        };
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = applicationName;
        }

        return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }
}
