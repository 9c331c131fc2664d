using Metrics.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Query.Replicas;

/// <summary>
/// Read scale-out (METRICS_DATABASE_READ_URL, docs/replicas.md). The NpgsqlDataSource that
/// endpoints and per-request services receive becomes the request's <see cref="ReadSession"/>;
/// singletons (caches, the commit feed's LISTEN, tokens, the migrator) keep the primary.
/// </summary>
// Public (in a service, an exe) only so bench/Metrics.Bench can host the query service in its own
// process wired exactly as Program.cs wires it (Query/QueryServiceHost.cs); see docs/architecture.md.
public static class ReadReplicaBuilderExtensions
{
    /// <summary>The key of the primary's data source (the one METRICS_DATABASE_URL names).</summary>
    public const string PrimaryKey = "primary";

    /// <summary>Call last among the Add… calls: the singletons registered before it are given the primary.</summary>
    public static WebApplicationBuilder AddReadReplicas(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ReadReplicaOptions>()
            .Bind(builder.Configuration)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReadReplicaOptions>, ReadReplicaOptionsValidator>();

        var primary = services.Single(d => d.ServiceType == typeof(NpgsqlDataSource) && !d.IsKeyedService);
        services.Remove(primary);
        var create = primary.ImplementationFactory ?? throw new InvalidOperationException("the primary NpgsqlDataSource must be registered by a factory (AddMetricsStorage)");
        services.AddKeyedSingleton<NpgsqlDataSource>(PrimaryKey, (sp, _) => (NpgsqlDataSource)create(sp));

        // Every singleton so far that takes a data source reads the primary: a cache or a listener
        // outlives any request, so no request's barrier can stand for it.
        for (var i = 0; i < services.Count; i++)
        {
            var d = services[i];
            if (d.Lifetime == ServiceLifetime.Singleton && !d.IsKeyedService && d.ImplementationType is { } type && TakesDataSource(type))
            {
                services[i] = ServiceDescriptor.Singleton(d.ServiceType, sp =>
                    ActivatorUtilities.CreateInstance(sp, type, sp.GetRequiredKeyedService<NpgsqlDataSource>(PrimaryKey)));
            }
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ReadReplicaMetrics>();
        services.AddSingleton<ReadReplicas>();
        services.AddScoped(sp => new ReadSession(sp.GetRequiredKeyedService<NpgsqlDataSource>(PrimaryKey)));
        services.AddScoped(sp => sp.GetRequiredService<ReadSession>().DataSource);
        return builder;
    }

    /// <summary>Runs each endpoint's <see cref="ReadRoute"/>; after authentication, so refused requests cost no barrier.</summary>
    public static WebApplication UseReadReplicas(this WebApplication app)
    {
        app.UseMiddleware<ReadRoutingMiddleware>();
        return app;
    }

    private static bool TakesDataSource(Type type) =>
        type.GetConstructors().Any(c => c.GetParameters().Any(p => p.ParameterType == typeof(NpgsqlDataSource)));
}
