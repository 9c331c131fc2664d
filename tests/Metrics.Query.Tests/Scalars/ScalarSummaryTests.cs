using Metrics.Query.Tests.TestData;

namespace Metrics.Query.Tests.Scalars;

/// <summary>Long series, downsampled from their chunks' stored summaries (threshold lowered to 1024 points).</summary>
public sealed class ScalarSummaryTests(SummaryQueryApiFixture fixture) : IClassFixture<SummaryQueryApiFixture>
{
    [Theory]
    [InlineData(200_000, 1000, null, null)]
    [InlineData(200_000, 200, 12_345L, 150_001L)]
    [InlineData(50_000, 5, null, null)]
    public async Task GetScalars_LongSeries_KeepsEndsSpikesAndLimit(int count, int maxPoints, long? from, long? to)
    {
        var points = Series.Adversarial(count, seed: count ^ maxPoints);
        var run = await fixture.Seed.RunAsync("summary", Json.Invariant($"r-{count}-{maxPoints}-{from}"));
        await fixture.Seed.ScalarsAsync(run, "loss", points);
        var client = await fixture.ClientAsync("summary");
        var range = from is null ? "" : $"&from_step={from}&to_step={to}";

        var series = await Json.GetAsync(client, $"/api/v1/runs/{run}/scalars?tag=loss&max_points={maxPoints}{range}");
        var got = Json.Points(series);
        var expected = points.Where(p => p.Step >= (from ?? long.MinValue) && p.Step <= (to ?? long.MaxValue)).ToList();

        AssertShape(expected, got, maxPoints);
        Assert.Equal(expected.Count, series.GetProperty("points_in_range").GetInt64());
    }

    [Fact]
    public async Task GetScalars_SeriesGrowsAfterSummary_ServesNewPoints()
    {
        var points = Series.Adversarial(40_000, seed: 11);
        var run = await fixture.Seed.RunAsync("summary", "growing");
        var seriesId = await fixture.Seed.ScalarsAsync(run, "loss", points);
        var client = await fixture.ClientAsync("summary");
        AssertShape(points, Json.Points(await Json.GetAsync(client, $"/api/v1/runs/{run}/scalars?tag=loss&max_points=400")), 400);

        for (var round = 0; round < 3; round++)
        {
            var more = Series.Adversarial(points.Count + 5000, seed: 11 + round).Skip(points.Count).Select(p => (p.Step, p.WallTime, round == 2 ? 5e6 : p.Value)).ToList();
            await fixture.Seed.AppendScalarsAsync(seriesId, more);
            points.AddRange(more);
            AssertShape(points, Json.Points(await Json.GetAsync(client, $"/api/v1/runs/{run}/scalars?tag=loss&max_points=400")), 400);
        }
    }

    [Fact]
    public async Task GetScalars_PointRewritten_ServesNewSummary()
    {
        var points = Series.Adversarial(30_000, seed: 5);
        var run = await fixture.Seed.RunAsync("summary", "rewritten");
        var seriesId = await fixture.Seed.ScalarsAsync(run, "loss", points);
        var client = await fixture.ClientAsync("summary");
        AssertShape(points, Json.Points(await Json.GetAsync(client, $"/api/v1/runs/{run}/scalars?tag=loss&max_points=100")), 100);

        // A later write replaced a point in the middle: its chunk is rewritten with a new summary,
        // and the next read (served from summaries) must show the new value, not one remembered.
        await fixture.Seed.ReplaceScalarAsync(run, seriesId, 15000, 7e7);

        points[15000] = (points[15000].Step, points[15000].WallTime, 7e7);
        var got = Json.Points(await Json.GetAsync(client, $"/api/v1/runs/{run}/scalars?tag=loss&max_points=100"));
        AssertShape(points, got, 100);
        Assert.Contains(points[15000], got);
    }

    private static void AssertShape(List<(long Step, double WallTime, double Value)> expected, List<(long Step, double WallTime, double Value)> got, int maxPoints)
    {
        Assert.True(got.Count <= maxPoints, $"{got.Count} points > {maxPoints}");
        Assert.True(got.Count >= Math.Min(expected.Count, maxPoints / 5), $"only {got.Count} points");
        Assert.Equal(expected[0], got[0]);
        Assert.Equal(expected[^1], got[^1]);
        Assert.Equal(got.Count, got.Select(p => p.Step).Distinct().Count());
        Assert.True(got.Zip(got.Skip(1)).All(pair => pair.First.Step < pair.Second.Step), "not in step order");
        Assert.All(got, p => Assert.Contains(p, expected));
        var numbers = expected.Where(p => !double.IsNaN(p.Value)).ToList();
        Assert.Contains(numbers.MinBy(p => p.Value), got);
        Assert.Contains(numbers.MaxBy(p => p.Value), got);
        Assert.Equal(expected.Any(p => double.IsNaN(p.Value)), got.Any(p => double.IsNaN(p.Value)));
        if ((expected.Count / (maxPoints / 5)) + 256 < 997)
        {
            // Spikes of a sign are 997 steps apart, wider than a bucket and its last block: each is its bucket's extreme.
            // (A bucket that also holds an infinity keeps that instead.)
            var infinities = expected.Where(p => double.IsInfinity(p.Value)).Select(p => p.Step).ToList();
            Assert.All(
                expected.Where(p => Math.Abs(p.Value) == 1e6 && !infinities.Any(s => Math.Abs(s - p.Step) < 1500)),
                spike => Assert.Contains(spike, got));
        }
    }
}
