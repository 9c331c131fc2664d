using System.Net;
using Metrics.Query.Tests.TestData;

namespace Metrics.Query.Tests.HParams;

public sealed class HParamsApiTests(QueryApiFixture fixture) : IClassFixture<QueryApiFixture>
{
    [Fact]
    public async Task GetHParams_RunsWithHparams_TableOfFinalMetricValues()
    {
        var a = await fixture.Seed.RunAsync("hp", "a", """{"lr": 0.1, "opt": "sgd"}""", ["accuracy"]);
        await fixture.Seed.ScalarsAsync(a, "accuracy", [(1, 1, 0.5), (9, 2, 0.875)]);
        await fixture.Seed.ScalarsAsync(a, "loss", [(9, 2, 0.3)]);
        var b = await fixture.Seed.RunAsync("hp", "b", """{"lr": 0.01, "dropout": true}""");
        await fixture.Seed.ScalarsAsync(b, "loss", [(1, 1, 2), (4, 3, double.NaN)]);
        await fixture.Seed.RunAsync("hp", "no-hparams");
        var client = await fixture.ClientAsync("hp");

        var table = await Json.GetAsync(client, "/api/v1/projects/hp/hparams");
        Assert.Equal(["dropout", "lr", "opt"], table.GetProperty("hparams").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["accuracy", "loss"], table.GetProperty("metrics").EnumerateArray().Select(e => e.GetString()));
        var runs = table.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["a", "b"], runs.Select(r => r.GetProperty("name").GetString()));
        var aMetrics = runs[0].GetProperty("metrics");
        Assert.Equal(0.875, aMetrics.GetProperty("accuracy").GetProperty("value").GetDouble());
        Assert.Equal(9, aMetrics.GetProperty("accuracy").GetProperty("step").GetInt64());
        Assert.False(aMetrics.TryGetProperty("loss", out _)); // a declares its metrics: accuracy only
        Assert.Equal("NaN", runs[1].GetProperty("metrics").GetProperty("loss").GetProperty("value").GetString());
        Assert.Equal(0.01, runs[1].GetProperty("hparams").GetProperty("lr").GetDouble());
        Assert.False(table.GetProperty("truncated").GetBoolean());
    }

    [Theory]
    [InlineData("limit=0", HttpStatusCode.BadRequest, "limit")]
    [InlineData("limit=10001", HttpStatusCode.BadRequest, "limit")]
    [InlineData("prefix=%00", HttpStatusCode.BadRequest, "prefix")]
    public async Task GetHParams_BadParameters_Return400(string query, HttpStatusCode status, string parameter)
    {
        var client = await fixture.ClientAsync("hp-bad");
        await Problems.AssertAsync(await client.GetAsync("/api/v1/projects/hp-bad/hparams?" + query), status, parameter);
    }

    [Fact]
    public async Task GetHParams_InjectionInPrefix_MatchesNothing()
    {
        await fixture.Seed.RunAsync("hp-inject", "a", """{"lr": 1}""");
        var client = await fixture.ClientAsync("hp-inject");
        var table = await Json.GetAsync(client, "/api/v1/projects/hp-inject/hparams?prefix=" + Uri.EscapeDataString("' OR 1=1 --"));
        Assert.Empty(table.GetProperty("runs").EnumerateArray());
    }
}
