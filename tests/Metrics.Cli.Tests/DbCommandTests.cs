using Metrics.Testing;

namespace Metrics.Cli.Tests;

public sealed class DbCommandTests
{
    [Fact]
    public async Task Migrate_FreshThenAgain_AppliesThenReportsUpToDate()
    {
        var url = await TestPostgres.CreateDatabaseAsync("cli_migrate");

        var first = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["db", "migrate", "--database-url", url]);
        var second = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["db", "migrate"], new Dictionary<string, string> { ["METRICS_DATABASE_URL"] = url });

        Assert.True(first.ExitCode == 0, first.StandardError);
        Assert.Contains("Applied migrations", first.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("up to date", second.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_UnreachableDatabase_FailsWithOneLine()
    {
        var result = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["db", "migrate", "--database-url", "postgres://postgres@127.0.0.1:1/none"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.StandardError.Trim().Split('\n'));
        Assert.StartsWith("metrics db migrate:", result.StandardError, StringComparison.Ordinal);
    }
}
