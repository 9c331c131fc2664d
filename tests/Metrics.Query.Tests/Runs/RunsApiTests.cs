using System.Net;
using Metrics.Query.Tests.TestData;

namespace Metrics.Query.Tests.Runs;

public sealed class RunsApiTests(QueryApiFixture fixture) : IClassFixture<QueryApiFixture>
{
    [Fact]
    public async Task ListRuns_PrefixAndHparamFilters_ReturnMatchingRuns()
    {
        await fixture.Seed.RunAsync("runs-filter", "mnist/lr-0.01/train", """{"lr": 0.01, "opt": "adam"}""");
        await fixture.Seed.RunAsync("runs-filter", "mnist/lr-0.1/train", """{"lr": 0.1, "opt": "adam"}""");
        await fixture.Seed.RunAsync("runs-filter", "cifar/lr-0.01", """{"lr": "0.01", "opt": "sgd"}""");
        var client = await fixture.ClientAsync("runs-filter");

        Assert.Equal(["mnist/lr-0.01/train", "mnist/lr-0.1/train"], await NamesAsync(client, "runs-filter", "prefix=mnist/"));
        Assert.Equal(["cifar/lr-0.01", "mnist/lr-0.01/train"], await NamesAsync(client, "runs-filter", "hparam.lr=0.01"));
        Assert.Equal(["mnist/lr-0.01/train"], await NamesAsync(client, "runs-filter", "hparam.lr=0.010&hparam.opt=adam"));
        Assert.Equal(["cifar/lr-0.01"], await NamesAsync(client, "runs-filter", "name=cifar/lr-0.01"));
        Assert.Empty(await NamesAsync(client, "runs-filter", "hparam.missing=1"));
        Assert.Equal(["mnist/lr-0.1/train", "mnist/lr-0.01/train", "cifar/lr-0.01"], await NamesAsync(client, "runs-filter", "sort=-name"));
    }

    [Fact]
    public async Task ListRuns_PagedWhileRunsAreInserted_ReturnsEveryOriginalRunOnce()
    {
        const string project = "runs-paging";
        var original = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            var name = Json.Invariant($"run-{i * 2:D3}");
            original.Add(name);
            await fixture.Seed.RunAsync(project, name);
        }

        var client = await fixture.ClientAsync(project);
        foreach (var sort in new[] { "name", "-name", "created", "-created", "last_write", "-last_write" })
        {
            var seen = new List<string>();
            string? cursor = null;
            var inserted = 0;
            do
            {
                var page = await Json.GetAsync(client, $"/api/v1/projects/{project}/runs?limit=7&sort={sort}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
                seen.AddRange(page.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("name").GetString()!));
                cursor = page.GetProperty("next_cursor").GetString();

                // Runs that sort before and after the cursor arrive between pages.
                await fixture.Seed.RunAsync(project, Json.Invariant($"run-{inserted * 2 + 1:D3}-{sort}"));
                await fixture.Seed.RunAsync(project, Json.Invariant($"a-{sort}-{inserted}"));
                inserted++;
            }
            while (cursor is not null);

            var originalsSeen = seen.Where(original.Contains).ToList();
            Assert.Equal(original.Count, originalsSeen.Count);
            Assert.Equal(original.Order(), originalsSeen.Order());
            Assert.Equal(seen.Count, seen.Distinct().Count());
        }
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("limit=99999999999999999999", "limit")]
    [InlineData("sort=name;DROP TABLE runs", "sort")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("cursor=eyJzb3J0IjoibmFtZSJ9", "cursor")]
    [InlineData("prefix=%00", "prefix")]
    public async Task ListRuns_BadParameter_Returns400NamingIt(string query, string parameter)
    {
        var client = await fixture.ClientAsync("runs-bad");
        var problem = await Problems.AssertAsync(await client.GetAsync("/api/v1/projects/runs-bad/runs?" + query), HttpStatusCode.BadRequest, parameter);
        Assert.Contains(parameter, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListRuns_LimitError_SaysTheRange()
    {
        var client = await fixture.ClientAsync("runs-bad");
        var problem = await Problems.AssertAsync(await client.GetAsync("/api/v1/projects/runs-bad/runs?limit=0"), HttpStatusCode.BadRequest, "limit");
        Assert.Equal("limit must be between 1 and 1000", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("prefix")]
    [InlineData("name")]
    [InlineData("hparam.lr")]
    [InlineData("hparam.x' OR '1'='1")]
    public async Task ListRuns_InjectionInStringParameters_IsPlainData(string parameter)
    {
        var project = "runs-inject-" + Guid.NewGuid().ToString("N");
        await fixture.Seed.RunAsync(project, "victim", """{"lr": 1}""");
        var client = await fixture.ClientAsync(project);
        foreach (var attack in new[] { "' OR '1'='1", "'); DROP TABLE runs; --", "%' --", "\\", "\"}]}" })
        {
            var page = await Json.GetAsync(client, $"/api/v1/projects/{project}/runs?{Uri.EscapeDataString(parameter)}={Uri.EscapeDataString(attack)}");
            Assert.Empty(page.GetProperty("runs").EnumerateArray());
        }

        Assert.Equal(["victim"], await NamesAsync(client, project, ""));
    }

    [Fact]
    public async Task GetRun_ReturnsHparamsWritersAndRanges()
    {
        var run = await fixture.Seed.RunAsync("runs-one", "a/b", """{"lr": 0.5, "layers": 3}""", ["loss"]);
        await fixture.Seed.ScalarsAsync(run, "loss", [(5, 100.5, 1), (9, 104.25, 2)]);
        await fixture.Seed.ScalarsAsync(run, "acc", [(2, 99, 0.1)]);
        await using (var writer = fixture.DataSource.CreateCommand($"INSERT INTO writers (run_id, writer_id, last_seq, points) VALUES ({run}, 'rank-0', 4, 3)"))
        {
            await writer.ExecuteNonQueryAsync();
        }

        var client = await fixture.ClientAsync("runs-one");
        var details = await Json.GetAsync(client, $"/api/v1/runs/{run}");
        Assert.Equal("a/b", details.GetProperty("name").GetString());
        Assert.Equal(0.5, details.GetProperty("hparams").GetProperty("lr").GetDouble());
        Assert.Equal(["loss"], details.GetProperty("hparam_metrics").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, details.GetProperty("first_step").GetInt64());
        Assert.Equal(9, details.GetProperty("last_step").GetInt64());
        Assert.Equal(99, details.GetProperty("first_wall_time").GetDouble());
        Assert.Equal(104.25, details.GetProperty("last_wall_time").GetDouble());
        Assert.Equal(3, details.GetProperty("point_count").GetInt64());
        var writer1 = Assert.Single(details.GetProperty("writers").EnumerateArray());
        Assert.Equal("rank-0", writer1.GetProperty("writer_id").GetString());
        Assert.Equal(4, writer1.GetProperty("last_seq").GetInt64());
    }

    [Theory]
    [InlineData("/api/v1/runs/999999")]
    [InlineData("/api/v1/runs/-1")]
    [InlineData("/api/v1/runs/abc")]
    [InlineData("/api/v1/runs/99999999999999999999")]
    [InlineData("/api/v1/runs/1%27%20OR%201=1")]
    public async Task GetRun_UnknownRun_Returns404(string url)
    {
        var client = await fixture.ClientAsync("runs-404");
        await Problems.AssertAsync(await client.GetAsync(url), HttpStatusCode.NotFound);
    }

    private static async Task<List<string>> NamesAsync(HttpClient client, string project, string query)
    {
        var page = await Json.GetAsync(client, $"/api/v1/projects/{project}/runs?{query}");
        return [.. page.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("name").GetString()!)];
    }
}
