using System.Net;
using Metrics.Query.Tests.TestData;

namespace Metrics.Query.Tests.Errors;

public sealed class LimitsTests(LimitsFixture fixture) : IClassFixture<LimitsFixture>
{
    [Fact]
    public async Task AnyRoute_BurstOverTheTokensLimit_Returns429ProblemWithRetryAfter()
    {
        var client = await fixture.ClientAsync("limits-rate");
        var other = await fixture.ClientAsync("limits-rate");
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 10; i++)
        {
            responses.Add(await client.GetAsync("/api/v1/projects"));
        }

        var limited = responses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited);
        await Problems.AssertAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited.Headers.RetryAfter);

        // The limit is per token: another token of the same project is unaffected.
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/v1/projects")).StatusCode);
    }

    [Fact]
    public async Task ListRuns_QueryPastTheCommandTimeout_Returns504Problem()
    {
        await fixture.Seed.RunAsync("limits-timeout", "r");
        var client = await fixture.ClientAsync("limits-timeout");

        // Hold a lock that the runs listing must wait for, so it outlives the 1 s command timeout.
        await using var connection = await fixture.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var lockRuns = new Npgsql.NpgsqlCommand("LOCK TABLE runs IN ACCESS EXCLUSIVE MODE", connection, transaction))
        {
            await lockRuns.ExecuteNonQueryAsync();
        }

        var response = await client.GetAsync("/api/v1/projects/limits-timeout/runs");
        await transaction.RollbackAsync();
        var problem = await Problems.AssertAsync(response, HttpStatusCode.GatewayTimeout);
        Assert.Contains("timeout", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }
}
