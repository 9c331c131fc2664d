using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Metrics.Query.OpenApi;

/// <summary>The OpenAPI document at /openapi/v1.json, with the bearer token scheme every /api route requires.</summary>
internal static class QueryOpenApi
{
    public const string SchemeName = "Bearer";

    public static IServiceCollection AddQueryOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options => options.AddQueryParameterDocs().AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Metrics query API",
                Version = "v1",
                Description = "Runs, tags, scalars, tensors, blobs, hparams and live tails of TensorBoard-style training metrics. Errors are problem+json.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A project token from `metrics token create --project P --scope read`.",
            };
            document.Security ??= [];
            document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, document)] = [] });
            return Task.CompletedTask;
        }));
}
