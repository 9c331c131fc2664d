using Metrics.Deploy.Tests.Support;

namespace Metrics.Deploy.Tests;

/// <summary>The checks are only as good as what they read from the code: pin the facts they rely on.</summary>
public sealed class ServiceCatalogTests
{
    private static readonly IReadOnlyDictionary<string, Component> Catalog = ServiceCatalog.Load(DeployRepository.Real().Root);

    [Theory]
    [InlineData("ingest", 8081)]
    [InlineData("query", 8080)]
    [InlineData("exporter", 8082)]
    public void Load_Services_HttpPortFromAppSettings(string name, int port)
    {
        Assert.Equal(port, Catalog[name].Ports(new Dictionary<string, string>())["http"]);
    }

    [Theory]
    [InlineData("ingest")]
    [InlineData("query")]
    [InlineData("exporter")]
    public void Load_Services_ReadSharedSettingsAndRequireSecrets(string name)
    {
        var component = Catalog[name];

        Assert.Contains("METRICS_SHUTDOWN_TIMEOUT_SECONDS", component.Settings.Keys);
        Assert.Equal("25", component.Settings["METRICS_SHUTDOWN_TIMEOUT_SECONDS"]);
        Assert.Equal("any", component.Settings["METRICS_LISTEN"]);
        Assert.Contains("METRICS_DATABASE_URL", component.Required);
        Assert.Contains("METRICS_TOKEN_PEPPER", component.Required);
        Assert.Equal(["/health/live", "/health/ready"], component.ProbePaths.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_Query_ReadsItsOwnOptions()
    {
        Assert.DoesNotContain("METRICS_RATE_LIMIT_PER_SECOND", Catalog["ingest"].Settings.Keys);
        Assert.Contains("METRICS_RATE_LIMIT_PER_SECOND", Catalog["query"].Settings.Keys);
    }

    [Fact]
    public void Load_Cli_IsTheMetricsAssembly()
    {
        Assert.Equal("metrics", Catalog["cli"].AssemblyName);
        Assert.Contains("METRICS_DATABASE_URL", Catalog["cli"].Settings.Keys);
    }

    [Theory]
    [InlineData("registry.example.com/metrics/ingest:1.0.0", "ingest")]
    [InlineData("metrics/query", "query")]
    [InlineData("localhost:5000/metrics/exporter@sha256:abc", "exporter")]
    public void ComponentOfImage_Repository_LastSegment(string image, string expected)
    {
        Assert.Equal(expected, ServiceCatalog.ComponentOfImage(image));
    }
}
