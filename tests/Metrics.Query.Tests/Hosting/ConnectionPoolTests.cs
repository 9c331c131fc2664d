using System.Diagnostics;
using Metrics.Query.Tests.TestData;
using Metrics.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Metrics.Query.Tests.Hosting;

/// <summary>The query service opens its default METRICS_DATABASE_MIN_POOL (8) backends at start-up, before any request; the setting is checked against the maximum.</summary>
public sealed class ConnectionPoolTests(QueryApiFixture fixture) : IClassFixture<QueryApiFixture>
{
    [Fact]
    public async Task Start_Default_OpensEightBackendsBeforeTheFirstRequest()
    {
        var watch = Stopwatch.StartNew();
        long backends;
        do
        {
            await using var command = fixture.DataSource.CreateCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'metrics-query'");
            backends = (long)(await command.ExecuteScalarAsync())!;
            if (backends >= 8)
            {
                break;
            }

            await Task.Delay(50);
        }
        while (watch.Elapsed < TimeSpan.FromSeconds(20));

        // Without the warmer only the commit feed's LISTEN connection and start-up reads (one or two) are open.
        Assert.True(backends >= 8, $"{backends} backends open");
    }

    [Fact]
    public void AddMetricsStorage_MinPoolAboveMaxPool_RefusedNamingBothVariables()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = "postgres://metrics@localhost/metrics",
            ["DATABASE_MIN_POOL"] = "9",
            ["DATABASE_MAX_POOL"] = "4",
        }).Build();
        using var services = new ServiceCollection().AddMetricsStorage(configuration, "test").BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => (object)services.GetRequiredService<IOptions<DatabaseOptions>>().Value);
        Assert.Contains("METRICS_DATABASE_MIN_POOL", error.Message, StringComparison.Ordinal);
        Assert.Contains("METRICS_DATABASE_MAX_POOL", error.Message, StringComparison.Ordinal);
    }
}
