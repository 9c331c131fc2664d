using Metrics.Storage;
using Metrics.Testing;
using Microsoft.Extensions.Options;

namespace Metrics.Cli.Tests;

public sealed class TokenCommandTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string Pepper = "cli-test-pepper-0123456789";

    [Fact]
    public async Task Create_ValidArguments_PrintsOnlyAWorkingToken()
    {
        var result = await ProcessRunner.RunAsync(ProcessRunner.CliDll, ["token", "create", "--project", "cli-proj", "--scope", "read"],
            new Dictionary<string, string> { ["METRICS_DATABASE_URL"] = db.Url, ["METRICS_TOKEN_PEPPER"] = Pepper });

        Assert.True(result.ExitCode == 0, result.StandardError);
        var token = Assert.Single(result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var store = new TokenStore(db.DataSource, Options.Create(new TokenOptions { Pepper = Pepper }), TimeProvider.System);
        var identity = await store.AuthenticateAsync(token.Trim(), CancellationToken.None);
        Assert.NotNull(identity);
        Assert.Equal("cli-proj", identity.ProjectName);
        Assert.Equal(TokenScope.Read, identity.Scope);
    }

    [Fact]
    public async Task Create_UnknownScope_FailsWithUsageError()
    {
        var result = await ProcessRunner.RunAsync(ProcessRunner.CliDll, ["token", "create", "--project", "p", "--scope", "root"],
            new Dictionary<string, string> { ["METRICS_DATABASE_URL"] = db.Url, ["METRICS_TOKEN_PEPPER"] = Pepper });

        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("mt_", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("root", result.StandardError, StringComparison.Ordinal);
    }
}
