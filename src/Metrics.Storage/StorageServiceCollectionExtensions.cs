using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Storage;

/// <summary>Registers the database options, the one NpgsqlDataSource and the migrator.</summary>
public static class StorageServiceCollectionExtensions
{
    public static IServiceCollection AddMetricsStorage(this IServiceCollection services, IConfiguration configuration, string applicationName)
    {
        services.AddOptions<DatabaseOptions>()
            .Bind(configuration)
            .ValidateDataAnnotations()
            .Validate(o => IsParsable(o.Url), "METRICS_DATABASE_URL is not a valid postgres:// URL or connection string.")
            .Validate(o => (o.MinPoolSize ?? 0) <= o.MaxPoolSize, "METRICS_DATABASE_MIN_POOL must not exceed METRICS_DATABASE_MAX_POOL.")
            .ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            return MetricsDataSource.Create(options.Url, options.MaxPoolSize, options.CommandTimeoutSeconds, applicationName, options.MinPoolSize ?? 0);
        });
        services.AddHostedService<ConnectionPoolWarmer>();
        services.AddSingleton<SchemaMigrator>();
        services.AddOptions<TokenOptions>().Bind(configuration).ValidateDataAnnotations();
        services.AddSingleton<TokenStore>();
        return services;
    }

    private static bool IsParsable(string url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return true; // [Required] reports this one.
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString(url));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
