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
        var result = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["token", "create", "--project", "cli-proj", "--scope", "read"],
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
        var result = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["token", "create", "--project", "p", "--scope", "root"],
            new Dictionary<string, string> { ["METRICS_DATABASE_URL"] = db.Url, ["METRICS_TOKEN_PEPPER"] = Pepper });

        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("mt_", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("root", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ProjectNameWithSpaceAndSlash_ExitsTwoWithPlainMessage()
    {
        var result = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["token", "create", "--project", "bad name/x"], Environment());

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.StandardOutput);
        Assert.Contains("--project 'bad name/x' is not a project name", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_DatabaseDown_SaysItIsNotReachableAndHowToStartTheStack()
    {
        using var refusing = LoopbackPorts.Refusing();
        var port = refusing.Port;
        var result = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["token", "create", "--project", "p"],
            new Dictionary<string, string> { ["METRICS_DATABASE_URL"] = $"postgres://postgres@127.0.0.1:{port}/metrics", ["METRICS_TOKEN_PEPPER"] = Pepper });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"the database at 127.0.0.1:{port}/metrics is not reachable", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("./metrics up", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAndRevoke_TokenById_ListedThenRevokedAndRefused()
    {
        var create = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["token", "create", "--project", "cli-list", "--scope", "write", "--description", "ci job"], Environment());
        Assert.True(create.ExitCode == 0, create.StandardError);
        var token = create.StandardOutput.Trim();

        var list = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["token", "list", "--project", "cli-list", "--json"], Environment());

        Assert.True(list.ExitCode == 0, list.StandardError);
        using var listed = System.Text.Json.JsonDocument.Parse(list.StandardOutput);
        var entry = Assert.Single(listed.RootElement.EnumerateArray());
        Assert.Equal("write", entry.GetProperty("scope").GetString());
        Assert.Equal("active", entry.GetProperty("state").GetString());
        Assert.Equal("ci job", entry.GetProperty("description").GetString());
        Assert.DoesNotContain(token, list.StandardOutput, StringComparison.Ordinal);
        var id = entry.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);

        var revoke = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["token", "revoke", id], Environment());

        Assert.True(revoke.ExitCode == 0, revoke.StandardError);
        Assert.Contains("METRICS_TOKEN_CACHE_SECONDS", revoke.StandardOutput, StringComparison.Ordinal);
        var store = new TokenStore(db.DataSource, Options.Create(new TokenOptions { Pepper = Pepper }), TimeProvider.System);
        Assert.Null(await store.AuthenticateAsync(token, CancellationToken.None));
        var again = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["token", "list", "--project", "cli-list"], Environment());
        Assert.Contains("revoked", again.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, (await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["token", "revoke", id], Environment())).ExitCode);
    }

    [Fact]
    public async Task Revoke_TokenItself_RevokesIt()
    {
        var token = (await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["token", "create", "--project", "cli-revoke"], Environment())).StandardOutput.Trim();

        var revoke = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["token", "revoke", token], Environment());

        Assert.True(revoke.ExitCode == 0, revoke.StandardError);
        var store = new TokenStore(db.DataSource, Options.Create(new TokenOptions { Pepper = Pepper }), TimeProvider.System);
        Assert.Null(await store.AuthenticateAsync(token, CancellationToken.None));
    }

    private Dictionary<string, string> Environment() => new() { ["METRICS_DATABASE_URL"] = db.Url, ["METRICS_TOKEN_PEPPER"] = Pepper };
}
