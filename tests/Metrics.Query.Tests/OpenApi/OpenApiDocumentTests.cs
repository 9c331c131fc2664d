using System.Text.Json;
using System.Text.RegularExpressions;
using Metrics.Query.Tests.TestData;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Metrics.Query.Tests.OpenApi;

public sealed partial class OpenApiDocumentTests(QueryApiFixture fixture) : IClassFixture<QueryApiFixture>
{
    [Fact]
    public async Task OpenApiDocument_Parses_WithoutErrors()
    {
        var client = fixture.Factory.CreateClient();
        var text = await client.GetStringAsync("/openapi/v1.json");
        var result = OpenApiDocument.Parse(text, OpenApiConstants.Json, new OpenApiReaderSettings());
        Assert.NotNull(result.Document);
        Assert.Empty(result.Diagnostic?.Errors ?? []);
        Assert.Equal("Metrics query API", result.Document.Info.Title);
        Assert.Contains(QueryBearer, result.Document.Components?.SecuritySchemes?.Keys ?? []);
    }

    [Fact]
    public async Task OpenApiDocument_ListsExactlyTheMappedApiEndpoints()
    {
        var client = fixture.Factory.CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var documented = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject()
                .Where(op => op.Name is "get" or "post" or "put" or "delete" or "patch")
                .Select(op => op.Name.ToUpperInvariant() + " " + path.Name))
            .Order(StringComparer.Ordinal)
            .ToList();

        var mapped = fixture.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && !raw.StartsWith("/health", StringComparison.Ordinal) && !raw.StartsWith("/openapi", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => m + " " + Constraint().Replace(e.RoutePattern.RawText!, "}")))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.NotEmpty(mapped);
        Assert.Equal(mapped, documented);
        foreach (var route in new[] { "GET /api/v1/projects/{project}/runs", "GET /api/v1/runs/{runId}", "GET /api/v1/runs/{runId}/tags", "GET /api/v1/runs/{runId}/scalars", "POST /api/v1/projects/{project}/scalars/query", "GET /api/v1/runs/{runId}/tensors", "GET /api/v1/runs/{runId}/blobs", "GET /api/v1/blobs/{blobId}", "GET /api/v1/projects/{project}/hparams", "GET /api/v1/runs/{runId}/stream" })
        {
            Assert.Contains(route, documented);
        }
    }

    private const string QueryBearer = "Bearer";

    [GeneratedRegex(":[a-z]+}")]
    private static partial Regex Constraint();
}
