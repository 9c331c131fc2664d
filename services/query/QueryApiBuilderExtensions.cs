using System.Text.Json;
using System.Text.Json.Serialization;
using Metrics.Query.Auth;
using Metrics.Query.Blobs;
using Metrics.Query.Errors;
using Metrics.Query.OpenApi;
using Metrics.Query.Scalars;
using Metrics.Storage;
using Metrics.Storage.Commits;

namespace Metrics.Query;

/// <summary>Registers what the query API needs: options, JSON conventions, auth, rate limits, readers, OpenAPI.</summary>
// Public (in a service, an exe) only so bench/Metrics.Bench can host the query service in its own
// process wired exactly as Program.cs wires it (Query/QueryServiceHost.cs); see docs/architecture.md.
public static class QueryApiBuilderExtensions
{
    public static WebApplicationBuilder AddQueryApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<QueryOptions>().Bind(builder.Configuration).ValidateDataAnnotations().ValidateOnStart();
        // Dashboards read concurrently: keep this many PostgreSQL backends ready (ConnectionPoolWarmer).
        services.PostConfigure<DatabaseOptions>(o => o.MinPoolSize ??= Math.Min(QueryOptions.DefaultMinPoolSize, o.MaxPoolSize));
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            // NaN and ±Infinity travel as the strings "NaN", "Infinity", "-Infinity".
            json.SerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        });
        // Binding failures become exceptions so QueryExceptionHandler can name the parameter.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<QueryExceptionHandler>();
        services.AddQueryAuthorization();
        services.AddQueryRateLimiting();
        services.AddSingleton<ChunkSummaryCache>();
        services.AddScoped<ScalarReader>(); // per request: it reads the request's data source (Replicas/)
        services.AddCommitFeed();
        services.AddBlobUrls(builder.Configuration);
        services.AddQueryOpenApi();
        return builder;
    }
}
