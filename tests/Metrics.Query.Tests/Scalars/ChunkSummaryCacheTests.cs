using Metrics.Query.Tests.TestData;
using Metrics.Storage.Chunks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Metrics.Query.Tests.Scalars;

/// <summary>
/// Long series read through the cached chunk summaries (ChunkSummaryCache) answer exactly as a
/// service without the cache (METRICS_SUMMARY_CACHE_MAX_BLOCKS=0) over the same database, after
/// the chunk layout changed under a warm cache.
/// </summary>
public sealed class ChunkSummaryCacheTests(SummaryQueryApiFixture fixture) : IClassFixture<SummaryQueryApiFixture>
{
    private static readonly string[] Ranges = ["", "&from_step=256&to_step=29000", "&from_step=333&to_step=1777", "&from_step=1000&to_step=1999", "&from_step=0&to_step=120"];

    [Fact]
    public async Task GetScalars_AfterCompaction_CachedAnswersEqualUncached()
    {
        // 34 appends of 60 points: small chunks, which compaction merges into chunks of 256. 60 steps
        // do not divide the 100-step buckets, so an answer from the old layout differs from the new one.
        var points = Series.Adversarial(2000, seed: 17);
        var run = await fixture.Seed.RunAsync("summary-cache", "compacted");
        var seriesId = await fixture.Seed.SeriesAsync(run, "loss", 1, "scalars");
        foreach (var batch in points.Chunk(60))
        {
            await fixture.Seed.AppendScalarsAsync(seriesId, batch);
        }

        var (cached, uncached) = await ClientsAsync();
        await AssertSameAsync(cached, uncached, run);

        Assert.True(await ScalarChunkCompactor.CompactAllAsync(fixture.DataSource, CancellationToken.None) > 0, "nothing was compacted");

        await AssertSameAsync(cached, uncached, run);
    }

    [Fact]
    public async Task GetScalars_AfterRewrite_CachedAnswersEqualUncached()
    {
        var points = Series.Adversarial(30_000, seed: 23);
        var run = await fixture.Seed.RunAsync("summary-cache", "rewritten");
        var seriesId = await fixture.Seed.ScalarsAsync(run, "loss", points);
        var (cached, uncached) = await ClientsAsync();
        await AssertSameAsync(cached, uncached, run);

        // Step 256 opens the chunk 256-511 and the second range, which takes that chunk whole (a block):
        // the range's first point (which always survives) is the block's, and must show the new value.
        await fixture.Seed.ReplaceScalarAsync(run, seriesId, 256, 9e9);

        var got = await AssertSameAsync(cached, uncached, run);
        Assert.Equal((points[256].Step, points[256].WallTime, 9e9), got[Ranges[1]][0]);
    }

    private async Task<(HttpClient Cached, HttpClient Uncached)> ClientsAsync()
    {
        var cached = await fixture.ClientAsync("summary-cache");
        var uncached = fixture.Factory.WithWebHostBuilder(web => web.UseSetting("SUMMARY_CACHE_MAX_BLOCKS", "0")).CreateClient();
        uncached.DefaultRequestHeaders.Authorization = cached.DefaultRequestHeaders.Authorization;
        return (cached, uncached);
    }

    /// <summary>Reads the whole series and some sub-ranges through both services (twice through the cached one: a miss, then a hit); returns the cached answers by range.</summary>
    private static async Task<Dictionary<string, List<(long Step, double WallTime, double Value)>>> AssertSameAsync(HttpClient cached, HttpClient uncached, long run)
    {
        var answers = new Dictionary<string, List<(long Step, double WallTime, double Value)>>();
        foreach (var range in Ranges)
        {
            var url = $"/api/v1/runs/{run}/scalars?tag=loss&max_points=100{range}";
            var expected = await Json.GetAsync(uncached, url);
            for (var pass = 0; pass < 2; pass++)
            {
                var got = await Json.GetAsync(cached, url);
                Assert.Equal(Json.Points(expected), Json.Points(got));
                Assert.Equal(expected.GetProperty("points_in_range").GetInt64(), got.GetProperty("points_in_range").GetInt64());
                answers[range] = Json.Points(got);
            }
        }

        return answers;
    }
}
