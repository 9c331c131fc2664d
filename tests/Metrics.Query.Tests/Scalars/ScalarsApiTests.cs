using System.Net;
using System.Text.Json;
using Metrics.Query.Tests.TestData;

namespace Metrics.Query.Tests.Scalars;

public sealed class ScalarsApiTests(QueryApiFixture fixture) : IClassFixture<QueryApiFixture>
{
    [Theory]
    [InlineData(5000, 1000)]
    [InlineData(20_000, 100)]
    [InlineData(20_000, 5)]
    [InlineData(3000, 7)]
    public async Task GetScalars_AdversarialSeries_KeepsFirstLastAndEachBucketsExtremes(int count, int maxPoints)
    {
        var points = Series.Adversarial(count, seed: count + maxPoints, stepStride: 3);
        var run = await fixture.Seed.RunAsync("scalars-ds", Json.Invariant($"run-{count}-{maxPoints}"));
        await fixture.Seed.ScalarsAsync(run, "loss", points);
        var client = await fixture.ClientAsync("scalars-ds");

        var series = await Json.GetAsync(client, $"/api/v1/runs/{run}/scalars?tag=loss&max_points={maxPoints}");
        var got = Json.Points(series);

        Assert.True(got.Count <= maxPoints, $"{got.Count} points > {maxPoints}");
        Assert.Equal(points[0], got[0]);
        Assert.Equal(points[^1], got[^1]);
        Assert.Equal(Series.ExpectedDownsample(points, maxPoints), got);
        Assert.True(series.GetProperty("downsampled").GetBoolean());
        Assert.Equal(count, series.GetProperty("points_in_range").GetInt64());
    }

    [Fact]
    public async Task GetScalars_StepRange_ReturnsOnlyThatRangeAndEveryPointWhenItFits()
    {
        var points = Series.Adversarial(1000, seed: 1);
        var run = await fixture.Seed.RunAsync("scalars-range", "r");
        await fixture.Seed.ScalarsAsync(run, "loss", points);
        var client = await fixture.ClientAsync("scalars-range");

        var got = Json.Points(await Json.GetAsync(client, $"/api/v1/runs/{run}/scalars?tag=loss&from_step=100&to_step=199"));
        Assert.Equal(points.Where(p => p.Step is >= 100 and <= 199), got);
    }

    [Fact]
    public async Task GetScalars_NonFiniteValues_AreStrings()
    {
        var run = await fixture.Seed.RunAsync("scalars-nonfinite", "r");
        await fixture.Seed.ScalarsAsync(run, "x", [(0, 1, double.NaN), (1, 2, double.PositiveInfinity), (2, 3, double.NegativeInfinity), (3, 4, 0.1f)]);
        var client = await fixture.ClientAsync("scalars-nonfinite");
        var text = await client.GetStringAsync($"/api/v1/runs/{run}/scalars?tag=x");
        Assert.Contains("\"values\":[\"NaN\",\"Infinity\",\"-Infinity\",0.10000000149011612]", text, StringComparison.Ordinal);

        var all = await client.GetStringAsync($"/api/v1/runs/{run}/scalars?tag=x&mode=all");
        Assert.Contains("\"values\":[\"NaN\",\"Infinity\",\"-Infinity\",0.10000000149011612]", all, StringComparison.Ordinal);

        var csv = await client.GetStringAsync($"/api/v1/runs/{run}/scalars?tag=x&format=csv");
        Assert.Equal("step,wall_time,value\n0,1,NaN\n1,2,Infinity\n2,3,-Infinity\n3,4,0.10000000149011612\n", csv);
    }

    [Fact]
    public async Task GetScalars_ModeAll_StreamsEveryPointInJsonAndCsv()
    {
        var points = Series.Adversarial(300_000, seed: 7);
        var run = await fixture.Seed.RunAsync("scalars-all", "big");
        await fixture.Seed.ScalarsAsync(run, "loss", points);
        var client = await fixture.ClientAsync("scalars-all");

        using var response = await client.GetAsync($"/api/v1/runs/{run}/scalars?tag=loss&mode=all", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var document = await JsonDocument.ParseAsync(body);
        var got = Json.Points(document.RootElement);
        Assert.Equal(points.Count, got.Count);
        Assert.Equal(points, got);
        Assert.False(document.RootElement.GetProperty("downsampled").GetBoolean());

        using var csvResponse = await client.GetAsync($"/api/v1/runs/{run}/scalars?tag=loss&mode=all&format=csv&from_step=10&to_step=20", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/csv", csvResponse.Content.Headers.ContentType?.MediaType);
        var lines = (await csvResponse.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(12, lines.Length);
        Assert.StartsWith("10,", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetScalars_ModeAll_ReportsPointsInRange()
    {
        var run = await fixture.Seed.RunAsync("scalars-all-count", "r");
        await fixture.Seed.ScalarsAsync(run, "loss", [.. Enumerable.Range(0, 50).Select(s => ((long)s, (double)s, s * 0.5))]);
        var client = await fixture.ClientAsync("scalars-all-count");

        var one = await Json.GetAsync(client, $"/api/v1/runs/{run}/scalars?tag=loss&mode=all&from_step=10&to_step=19");
        var many = await client.PostAsync("/api/v1/projects/scalars-all-count/scalars/query", new StringContent($$"""{"run_ids":[{{run}}],"tags":["loss"],"mode":"all"}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(10, one.GetProperty("points_in_range").GetInt64());
        Assert.Equal(50, (await Json.ReadAsync(many)).GetProperty("series")[0].GetProperty("points_in_range").GetInt64());
    }

    [Theory]
    [InlineData("max_points=abc", "max_points")]
    [InlineData("from_step=1.5", "from_step")]
    [InlineData("to_step=99999999999999999999", "to_step")]
    public async Task GetScalars_UnparsableNumber_ProblemNamesQueryKeyInPlainWords(string query, string parameter)
    {
        var run = await fixture.Seed.RunAsync("scalars-words", "r-" + Guid.NewGuid().ToString("N"));
        await fixture.Seed.ScalarsAsync(run, "loss", [(0, 1, 1)]);
        var client = await fixture.ClientAsync("scalars-words");

        var problem = await Problems.AssertAsync(await client.GetAsync($"/api/v1/runs/{run}/scalars?tag=loss&{query}"), HttpStatusCode.BadRequest, parameter);

        var detail = problem.GetProperty("detail").GetString()!;
        Assert.StartsWith(parameter + " must be a whole number", detail, StringComparison.Ordinal);
        Problems.AssertPlainWords(problem);
    }

    [Theory]
    [InlineData("""{"run_ids":"x","tags":["loss"]}""", "run_ids")]
    [InlineData("""{"run_ids":[1],"tags":["loss"],"max_points":"many"}""", "max_points")]
    [InlineData("""not json""", "body")]
    [InlineData("", "body")]
    public async Task QueryScalars_UnreadableBody_ProblemNamesFieldInPlainWords(string body, string parameter)
    {
        var client = await fixture.ClientAsync("scalars-badbody");

        var response = await client.PostAsync("/api/v1/projects/scalars-badbody/scalars/query", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Problems.AssertPlainWords(await Problems.AssertAsync(response, HttpStatusCode.BadRequest, parameter));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task QueryScalars_NoContentType_Returns415ProblemAskingForJson(bool withBody)
    {
        var client = await fixture.ClientAsync("scalars-badbody");

        var response = await client.PostAsync("/api/v1/projects/scalars-badbody/scalars/query", withBody ? new ByteArrayContent("""{"run_ids":[1],"tags":["loss"]}"""u8.ToArray()) : null);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("application/json", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Problems.AssertPlainWords(problem);
    }

    [Fact]
    public async Task GetScalars_WallTimeAxis_StaysWithinMaxPointsAndKeepsEnds()
    {
        var points = Series.Adversarial(10_000, seed: 3);
        var run = await fixture.Seed.RunAsync("scalars-wall", "r");
        await fixture.Seed.ScalarsAsync(run, "loss", points);
        var client = await fixture.ClientAsync("scalars-wall");

        var got = Json.Points(await Json.GetAsync(client, $"/api/v1/runs/{run}/scalars?tag=loss&max_points=200&x=wall_time"));
        Assert.InRange(got.Count, 2, 200);
        Assert.Equal(points[0], got[0]);
        Assert.Equal(points[^1], got[^1]);
        Assert.Contains(got, p => p.Value == 1e6);
        Assert.Contains(got, p => p.Value == -1e6);
    }

    [Fact]
    public async Task QueryScalars_ManyRunsAndTags_ReturnsEachSeriesAndListsMissing()
    {
        var a = await fixture.Seed.RunAsync("scalars-multi", "a");
        var b = await fixture.Seed.RunAsync("scalars-multi", "b");
        await fixture.Seed.ScalarsAsync(a, "loss", [(0, 1, 1), (1, 2, 2)]);
        await fixture.Seed.ScalarsAsync(a, "acc", [(0, 1, 0.5)]);
        await fixture.Seed.ScalarsAsync(b, "loss", [(5, 1, 3)]);
        var client = await fixture.ClientAsync("scalars-multi");

        var result = await Json.PostAsync(client, "/api/v1/projects/scalars-multi/scalars/query", new { run_ids = new[] { a, b }, tags = new[] { "loss", "acc" } });
        var series = result.GetProperty("series").EnumerateArray().Select(s => (s.GetProperty("run_id").GetInt64(), s.GetProperty("tag").GetString(), Json.Points(s).Count)).ToList();
        Assert.Equal([(a, "loss", 2), (a, "acc", 1), (b, "loss", 1)], series);
        var missing = Assert.Single(result.GetProperty("missing").EnumerateArray());
        Assert.Equal(b, missing.GetProperty("run_id").GetInt64());
        Assert.Equal("acc", missing.GetProperty("tag").GetString());

        var csv = await (await client.PostAsync("/api/v1/projects/scalars-multi/scalars/query",
            new StringContent($$"""{"run_ids":[{{a}}],"tags":["loss"],"format":"csv","mode":"all"}""", System.Text.Encoding.UTF8, "application/json"))).Content.ReadAsStringAsync();
        Assert.Equal($"run_id,tag,step,wall_time,value\n{a},loss,0,1,1\n{a},loss,1,2,2\n", csv);
    }

    [Theory]
    [InlineData("tag=loss&max_points=0", HttpStatusCode.BadRequest, "max_points")]
    [InlineData("tag=loss&max_points=-5", HttpStatusCode.BadRequest, "max_points")]
    [InlineData("tag=loss&max_points=100001", HttpStatusCode.BadRequest, "max_points")]
    [InlineData("tag=loss&max_points=1e3", HttpStatusCode.BadRequest, "max_points")]
    [InlineData("tag=loss&from_step=10&to_step=5", HttpStatusCode.BadRequest, "from_step")]
    [InlineData("tag=loss&to_step=99999999999999999999", HttpStatusCode.BadRequest, "to_step")]
    [InlineData("tag=loss&from_step=-9223372036854775808&to_step=9223372036854775807", HttpStatusCode.OK, null)]
    [InlineData("tag=loss&mode=everything", HttpStatusCode.BadRequest, "mode")]
    [InlineData("tag=loss&x=epoch", HttpStatusCode.BadRequest, "x")]
    [InlineData("tag=loss&format=xml", HttpStatusCode.BadRequest, "format")]
    [InlineData("", HttpStatusCode.BadRequest, "tag")]
    [InlineData("tag=nope", HttpStatusCode.NotFound, "tag")]
    [InlineData("tag=loss'%20OR%20'1'='1", HttpStatusCode.NotFound, "tag")]
    [InlineData("tag=loss%3B%20DROP%20TABLE%20scalar_points%3B--", HttpStatusCode.NotFound, "tag")]
    [InlineData("tag=hist", HttpStatusCode.BadRequest, "tag")]
    public async Task GetScalars_Parameters_ReturnExpectedStatus(string query, HttpStatusCode status, string? parameter)
    {
        var run = await fixture.Seed.RunAsync("scalars-params", "r-" + Guid.NewGuid().ToString("N"));
        await fixture.Seed.ScalarsAsync(run, "loss", [(0, 1, 1)]);
        await fixture.Seed.SeriesAsync(run, "hist", 2, "histograms");
        var client = await fixture.ClientAsync("scalars-params");
        var response = await client.GetAsync($"/api/v1/runs/{run}/scalars?{query}");
        if (status == HttpStatusCode.OK)
        {
            Assert.Single(Json.Points(await Json.ReadAsync(response)));
        }
        else
        {
            await Problems.AssertAsync(response, status, parameter);
        }
    }

    [Theory]
    [InlineData("""{"run_ids":[],"tags":["loss"]}""", "run_ids")]
    [InlineData("""{"run_ids":[1],"tags":[]}""", "tags")]
    [InlineData("""{"run_ids":[1],"tags":["loss"],"max_points":-1}""", "max_points")]
    [InlineData("""{"run_ids":"1; DROP TABLE runs","tags":["loss"]}""", null)]
    [InlineData("""not json""", null)]
    public async Task QueryScalars_BadBody_Returns400(string body, string? parameter)
    {
        var client = await fixture.ClientAsync("scalars-badbody");
        var response = await client.PostAsync("/api/v1/projects/scalars-badbody/scalars/query", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, parameter);
    }

    [Fact]
    public async Task QueryScalars_TooManySeries_Returns400()
    {
        var client = await fixture.ClientAsync("scalars-many");
        var body = new { run_ids = Enumerable.Range(1, 100).ToArray(), tags = Enumerable.Range(0, 11).Select(i => "t" + i).ToArray() };
        var response = await client.PostAsync("/api/v1/projects/scalars-many/scalars/query",
            new StringContent(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json"));
        await Problems.AssertAsync(response, HttpStatusCode.BadRequest, "run_ids");
    }
}
