using Metrics.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Metrics.ServiceDefaults.Health;

/// <summary>Ready means the database is reachable and at the schema version this build needs.</summary>
internal sealed class DatabaseHealthCheck(SchemaMigrator migrator) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var version = await migrator.GetVersionAsync(cancellationToken);
            return version >= SchemaMigrator.LatestVersion
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"schema version {version}, need {SchemaMigrator.LatestVersion}");
        }
        catch (NpgsqlException e)
        {
            return HealthCheckResult.Unhealthy("database unreachable", e);
        }
    }
}
