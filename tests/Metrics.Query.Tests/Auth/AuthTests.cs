using System.Net;
using System.Net.Http.Headers;
using Metrics.Query.Tests.TestData;
using Metrics.Storage;

namespace Metrics.Query.Tests.Auth;

public sealed class AuthTests(QueryApiFixture fixture) : IClassFixture<QueryApiFixture>
{
    [Fact]
    public async Task AnyRoute_NoToken_Returns401WithWwwAuthenticate()
    {
        var client = fixture.Factory.CreateClient();
        var response = await client.GetAsync("/api/v1/projects/p/runs");
        await Problems.AssertAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bearer mt_not-a-token")]
    [InlineData("Bearer ")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer ' OR 1=1 --")]
    public async Task AnyRoute_BadToken_Returns401InvalidToken(string header)
    {
        var client = fixture.Factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/projects");
        request.Headers.TryAddWithoutValidation("Authorization", header);
        var response = await client.SendAsync(request);
        await Problems.AssertAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyRoute_RevokedToken_Returns401()
    {
        var token = await fixture.TokenAsync("auth-revoked");
        var store = new TokenStore(fixture.DataSource, Microsoft.Extensions.Options.Options.Create(new TokenOptions { Pepper = QueryApiFixture.Pepper }), TimeProvider.System);
        await store.RevokeAsync(token, CancellationToken.None);
        var client = fixture.Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await Problems.AssertAsync(await client.GetAsync("/api/v1/projects"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ProjectRoutes_OtherProject_Return404NotForbidden()
    {
        var run = await fixture.Seed.RunAsync("auth-b", "secret-run");
        await fixture.Seed.ScalarsAsync(run, "loss", [(0, 1, 1)]);
        var client = await fixture.ClientAsync("auth-a");

        await Problems.AssertAsync(await client.GetAsync("/api/v1/projects/auth-b/runs"), HttpStatusCode.NotFound, "project");
        await Problems.AssertAsync(await client.GetAsync($"/api/v1/runs/{run}"), HttpStatusCode.NotFound);
        await Problems.AssertAsync(await client.GetAsync($"/api/v1/runs/{run}/tags"), HttpStatusCode.NotFound);
        await Problems.AssertAsync(await client.GetAsync($"/api/v1/runs/{run}/scalars?tag=loss"), HttpStatusCode.NotFound);
        var query = await Json.PostAsync(client, "/api/v1/projects/auth-a/scalars/query", new { run_ids = new[] { run }, tags = new[] { "loss" } });
        Assert.Empty(query.GetProperty("series").EnumerateArray());
        await Problems.AssertAsync(
            await client.PostAsync("/api/v1/projects/auth-b/scalars/query", JsonContent(new { run_ids = new[] { run }, tags = new[] { "loss" } })),
            HttpStatusCode.NotFound, "project");
    }

    [Theory]
    [InlineData(TokenScope.Read)]
    [InlineData(TokenScope.Write)]
    [InlineData(TokenScope.Admin)]
    public async Task ListRuns_EveryScope_CanRead(TokenScope scope)
    {
        var project = "auth-scope-" + scope;
        await fixture.Seed.RunAsync(project, "r1");
        var client = await fixture.ClientAsync(project, scope);
        var page = await Json.GetAsync(client, $"/api/v1/projects/{project}/runs");
        Assert.Single(page.GetProperty("runs").EnumerateArray());
    }

    [Fact]
    public async Task ListProjects_ReturnsOnlyTheTokensProject()
    {
        await fixture.Seed.RunAsync("auth-other", "x");
        await fixture.Seed.RunAsync("auth-mine", "y");
        var client = await fixture.ClientAsync("auth-mine");
        var projects = (await Json.GetAsync(client, "/api/v1/projects")).GetProperty("projects");
        var only = Assert.Single(projects.EnumerateArray());
        Assert.Equal("auth-mine", only.GetProperty("name").GetString());
        Assert.Equal(1, only.GetProperty("run_count").GetInt32());
    }

    private static StringContent JsonContent(object body) =>
        new(System.Text.Json.JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
}
