using Grpc.Net.Client;
using Metrics.Contracts.TensorBoard.Data;
using Metrics.Query.Replicas;
using Metrics.Query.Tests.TestData;
using Metrics.ServiceDefaults.Hosting;
using Metrics.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Metrics.Query.Tests.Replicas;

/// <summary>
/// Reads through the REST API of a query service whose METRICS_DATABASE_READ_URL is a real hot
/// standby: a point acknowledged before the request is always in the answer, from the standby
/// when it has replayed that far, else from the primary.
/// </summary>
public sealed class ReadReplicaTests(ReplicaFixture fixture) : IClassFixture<ReplicaFixture>
{
    private const string Reads = "metrics.query.reads";
    private const string Fallbacks = "metrics.query.read.fallbacks";
    private const string Waits = "metrics.query.read.waits";

    [Fact]
    public async Task Read_StandbyStreaming_ServedByStandbyWithTheJustWrittenPoint()
    {
        await using var query = fixture.Query(fixture.Standby.Url("metrics"), freshnessTimeoutMs: 60_000);
        using var counts = new ReadCounts(query);
        var client = fixture.Client(query);

        for (var i = 0; i < 5; i++)
        {
            var run = await fixture.WriteAsync("loss", step: i, value: i + 0.5);
            var points = Json.Points(await Json.GetAsync(client, $"/api/v1/runs/{run}/scalars?tag=loss"));
            Assert.Equal([(i, 1.0, i + 0.5)], points);
        }

        Assert.True(counts[Reads, "standby"] == 5, counts.Describe());
        Assert.True(counts[Reads, "primary"] == 0, counts.Describe());
        Assert.True(counts[Reads, "127.0.0.1:" + fixture.Standby.Port] == 5, counts.Describe());

        // And the points were really read there: the standby ran the query service's scalar reads.
        await using var standby = Npgsql.NpgsqlDataSource.Create(Metrics.Storage.DatabaseUrl.ToConnectionString(fixture.Standby.Url("metrics")));
        await using var activity = standby.CreateCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'metrics-query-read' AND query LIKE '%scalar%'");
        Assert.True((long)(await activity.ExecuteScalarAsync())! > 0, "no scalar read on the standby");
    }

    [Fact]
    public async Task Read_StandbyReplayPaused_FallsBackToPrimaryAndSeesThePoint()
    {
        await using var query = fixture.Query(fixture.Standby.Url("metrics"), freshnessTimeoutMs: 200);
        using var counts = new ReadCounts(query);
        var client = fixture.Client(query);
        await fixture.Standby.PauseReplayAsync(CancellationToken.None);
        try
        {
            var run = await fixture.WriteAsync("acc", step: 7, value: 0.25);
            var points = Json.Points(await Json.GetAsync(client, $"/api/v1/runs/{run}/scalars?tag=acc"));
            Assert.Equal([(7L, 1.0, 0.25)], points);

            // The run listing too: every endpoint of the API goes through the barrier.
            var runs = await Json.GetAsync(client, $"/api/v1/projects/{ReplicaFixture.Project}/runs?limit=1000");
            Assert.Contains(runs.GetProperty("runs").EnumerateArray(), r => r.GetProperty("run_id").GetInt64() == run);
        }
        finally
        {
            await fixture.Standby.ResumeReplayAsync(CancellationToken.None);
        }

        Assert.True(counts[Fallbacks, "behind"] == 2, counts.Describe());
        Assert.True(counts[Reads, "standby"] == 0, counts.Describe());
    }

    [Fact]
    public async Task Read_StandbyBehindThenResumed_WaitsAndIsServedByStandby()
    {
        await using var query = fixture.Query(fixture.Standby.Url("metrics"), freshnessTimeoutMs: 60_000);
        using var counts = new ReadCounts(query);
        var client = fixture.Client(query);
        var standby = query.Services.GetRequiredService<ReadReplicas>().Standbys.Single();
        await fixture.Standby.PauseReplayAsync(CancellationToken.None);
        var before = standby.Checks;
        Task<HttpResponseMessage> reading;
        long run;
        try
        {
            run = await fixture.WriteAsync("lr", step: 3, value: 0.125);
            reading = client.GetAsync($"/api/v1/runs/{run}/scalars?tag=lr");

            // The request has asked the paused standby how far it got (it cannot be far enough): it is waiting.
            await Eventually.TrueAsync(() => standby.Checks > before || reading.IsCompleted, TimeSpan.FromSeconds(30), () => "the request never checked the standby");
            Assert.False(reading.IsCompleted, "the request answered while the standby was paused and before the freshness timeout");
        }
        finally
        {
            await fixture.Standby.ResumeReplayAsync(CancellationToken.None);
        }

        var points = Json.Points(await Json.ReadAsync(await reading));
        Assert.Equal([(3L, 1.0, 0.125)], points);
        Assert.True(counts[Reads, "standby"] == 1 && counts[Waits] == 1 && counts[Fallbacks] == 0, counts.Describe());
    }

    [Fact]
    public async Task Read_OneStandbyDown_ServedByTheOtherAndAllDown_FallsBackToPrimary()
    {
        var down = await fixture.StartStandbyAsync("down");
        var downUrl = down.Url("metrics");
        await down.Server.StopAsync(CancellationToken.None);
        var upHost = "127.0.0.1:" + fixture.Standby.Port;

        // Both hosts in one URL, the dead one first.
        var both = $"postgres://postgres@127.0.0.1:{down.Port},{upHost}/metrics";
        await using (var query = fixture.Query(both, freshnessTimeoutMs: 60_000))
        {
            using var counts = new ReadCounts(query);
            var client = fixture.Client(query);
            for (var i = 0; i < 4; i++)
            {
                var run = await fixture.WriteAsync("x", step: i, value: 2);
                Assert.Equal([(i, 1.0, 2.0)], Json.Points(await Json.GetAsync(client, $"/api/v1/runs/{run}/scalars?tag=x")));
            }

            Assert.True(counts[Reads, upHost] == 4 && counts[Reads, "primary"] == 0, counts.Describe());
        }

        await using (var query = fixture.Query(downUrl, freshnessTimeoutMs: 60_000))
        {
            using var counts = new ReadCounts(query);
            var client = fixture.Client(query);
            var run = await fixture.WriteAsync("y", step: 9, value: 4);
            Assert.Equal([(9L, 1.0, 4.0)], Json.Points(await Json.GetAsync(client, $"/api/v1/runs/{run}/scalars?tag=y")));
            Assert.True(counts[Fallbacks, "unavailable"] == 1 && counts[Reads, "standby"] == 0, counts.Describe());
        }
    }

    [Fact]
    public async Task TensorBoardReadScalars_StandbyStreamingThenPaused_AlwaysHasTheJustWrittenPoint()
    {
        await using var query = fixture.Query(fixture.Standby.Url("metrics"), freshnessTimeoutMs: 60_000, tensorBoard: true);
        using var counts = new ReadCounts(query);
        using var channel = GrpcChannel.ForAddress(query.Services.GetRequiredService<ServiceEndpoints>().Address("tensorboard"));
        var client = new TensorBoardDataProvider.TensorBoardDataProviderClient(channel);
        async Task<List<long>> StepsAsync(string tag) =>
            [.. (await client.ReadScalarsAsync(new ReadScalarsRequest
            {
                ExperimentId = ReplicaFixture.Project,
                PluginFilter = new PluginFilter { PluginName = "scalars" },
                RunTagFilter = new RunTagFilter { Tags = new TagFilter { Names = { tag } } },
                Downsample = new Downsample { NumPoints = 100 },
            })).Runs.SelectMany(r => r.Tags).Single().Data.Step];

        await fixture.WriteAsync("tb-fresh", step: 11, value: 1);
        Assert.Equal([11L], await StepsAsync("tb-fresh"));
        Assert.True(counts[Reads, "standby"] == 1 && counts[Fallbacks] == 0, counts.Describe());

        await fixture.Standby.PauseReplayAsync(CancellationToken.None);
        try
        {
            var standby = query.Services.GetRequiredService<ReadReplicas>().Standbys.Single();
            var before = standby.Checks;
            await fixture.WriteAsync("tb-paused", step: 12, value: 2);
            var reading = StepsAsync("tb-paused");
            await Eventually.TrueAsync(() => standby.Checks > before || reading.IsCompleted, TimeSpan.FromSeconds(30), () => "the call never checked the standby");
            Assert.False(reading.IsCompleted, "the call answered while the standby was paused and before the freshness timeout");
            await fixture.Standby.ResumeReplayAsync(CancellationToken.None);
            Assert.Equal([12L], await reading);
        }
        finally
        {
            await fixture.Standby.ResumeReplayAsync(CancellationToken.None);
        }

        // The first call may have waited a few milliseconds too (the primary flushes WAL lazily with synchronous_commit off).
        Assert.True(counts[Reads, "standby"] == 2 && counts[Waits] >= 1 && counts[Fallbacks] == 0, counts.Describe());
    }

    [Fact]
    public async Task Read_StandbyAndPrimaryInReadUrl_BothServeInTurn()
    {
        var standbyHost = "127.0.0.1:" + fixture.Standby.Port;
        var primaryHost = "127.0.0.1:" + fixture.Primary.Port;
        await using var query = fixture.Query($"postgres://postgres@{standbyHost},{primaryHost}/metrics", freshnessTimeoutMs: 60_000);
        using var counts = new ReadCounts(query);
        var client = fixture.Client(query);
        var run = await fixture.WriteAsync("spread", step: 5, value: 3);

        await Eventually.TrueAsync(
            async () =>
            {
                Assert.Equal([(5L, 1.0, 3.0)], Json.Points(await Json.GetAsync(client, $"/api/v1/runs/{run}/scalars?tag=spread")));
                return counts[Reads, standbyHost] > 0 && counts[Reads, primaryHost] > 0;
            },
            TimeSpan.FromSeconds(60),
            counts.Describe);
        Assert.True(counts[Fallbacks] == 0, counts.Describe());
    }

    [Fact]
    public async Task Read_StandbyStopsBetweenRequests_EveryRequestAnsweredAndItIsAskedAgainBeforeServing()
    {
        var dying = await fixture.StartStandbyAsync("dying");
        var dyingHost = "127.0.0.1:" + dying.Port;
        await using var query = fixture.Query(dying.Url("metrics"), freshnessTimeoutMs: 60_000);
        using var counts = new ReadCounts(query);
        var client = fixture.Client(query);
        var standby = query.Services.GetRequiredService<ReadReplicas>().Standbys.Single();
        var run = await fixture.WriteAsync("dies", step: 4, value: 8);
        var path = $"/api/v1/runs/{run}/scalars?tag=dies";
        Assert.Equal([(4L, 1.0, 8.0)], Json.Points(await Json.GetAsync(client, path)));
        Assert.True(counts[Reads, dyingHost] == 1, counts.Describe());

        // Its pool holds connections the shutdown breaks; the position it reported still covers the
        // next request's barrier, so without a check the next read goes there and fails on its connection.
        await dying.Server.StopAsync(CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal([(4L, 1.0, 8.0)], Json.Points(await Json.GetAsync(client, path)));
        }

        Assert.True(counts[Reads, dyingHost] <= 2 && counts[Reads, "primary"] >= 3, counts.Describe());
        Assert.False(standby.IsUp, "the stopped standby is still taken to be up");
        Assert.Equal(0UL, standby.Replayed);
    }

    [Fact]
    public async Task Stream_WithStandby_ReadsThePrimary()
    {
        await using var query = fixture.Query(fixture.Standby.Url("metrics"), freshnessTimeoutMs: 60_000);
        using var counts = new ReadCounts(query);
        var client = fixture.Client(query);
        var run = await fixture.WriteAsync("tail", step: 1, value: 1);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/runs/{run}/stream?tag=tail");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());

        Assert.True(counts[Reads, "primary"] == 1 && counts[Reads, "standby"] == 0 && counts[Fallbacks] == 0, counts.Describe());
    }
}
