using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Query.Replicas;

/// <summary>
/// Read scale-out (METRICS_DATABASE_READ_URL, docs/replicas.md). Within a request routed by
/// <see cref="ReadRoute"/>, the NpgsqlDataSource that endpoints, the TensorBoard gRPC service and
/// scoped services receive is the one the read barrier chose; singletons (caches, the commit feed's
/// LISTEN, tokens, the migrator) keep the primary, as everything outside such a request does.
/// </summary>
// Public (in a service, an exe) only so bench/Metrics.Bench can host the query service in its own
// process wired exactly as Program.cs wires it (Query/QueryServiceHost.cs); see docs/architecture.md.
public static class ReadReplicaBuilderExtensions
{
    /// <summary>Call after the Add… calls that register per-request readers: those registered before it read the request's data source.</summary>
    public static WebApplicationBuilder AddReadReplicas(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ReadReplicaOptions>().Bind(builder.Configuration).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReadReplicaOptions>, ReadReplicaOptionsValidator>();

        // Scoped and transient services that take a data source get the request's (the data source
        // itself is passed, not resolved, so the scope does not dispose the shared pool).
        for (var i = 0; i < services.Count; i++)
        {
            var d = services[i];
            if (d.Lifetime != ServiceLifetime.Singleton && !d.IsKeyedService && d.ImplementationType is { } type && TakesDataSource(type))
            {
                services[i] = new ServiceDescriptor(d.ServiceType, sp =>
                    ActivatorUtilities.CreateInstance(sp, type, sp.GetRequiredService<ReadSession>().DataSource), d.Lifetime);
            }
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ReadReplicaMetrics>();
        services.AddSingleton<ReadReplicas>();
        services.AddScoped<ReadSession>();
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
