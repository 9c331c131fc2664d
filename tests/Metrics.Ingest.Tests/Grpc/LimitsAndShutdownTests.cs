using Grpc.Core;
using Metrics.Contracts.V1;
using static Metrics.Testing.StoredData;

namespace Metrics.Ingest.Tests.Grpc;

public sealed class LimitsAndShutdownTests(IngestFixture fx) : IClassFixture<IngestFixture>
{
    [Fact]
    public async Task Write_TokenOverRateLimit_ResourceExhaustedForSomeStreams()
    {
        await using var server = await IngestServer.StartAsync(fx.Url, new Dictionary<string, string?>
        {
            ["INGEST_RATE_LIMIT_POINTS_PER_SECOND"] = "100",
            ["INGEST_MAX_POINTS_PER_BATCH"] = "100",
        });
        var run = (await server.Client.OpenRunAsync(new OpenRunRequest { RunName = "rate", WriterId = "setup" }, IngestServer.Bearer(fx.WriteToken))).RunId;

        var statuses = await Task.WhenAll(Enumerable.Range(0, 8).Select(async w =>
        {
            using var writer = await TestWriter.OpenAsync(server.Client, fx.WriteToken, run, $"w{w}");
            try
            {
                await writer.SendAsync(Batches.Scalar(1, $"x{w}", [.. Enumerable.Range(0, 100).Select(i => (long)i)]));
                await writer.SendAsync(new Batch { Seq = 2, Scalars = { Batches.Scalars($"x{w}", [.. Enumerable.Range(100, 100).Select(i => (long)i)]) } });
            }
            catch (RpcException)
            {
                // The server may end the stream (ResourceExhausted) while we still write; the status comes with the drain.
                return (await writer.DrainAsync()).Status.StatusCode;
            }

            return (await writer.CompleteAndDrainAsync()).Status.StatusCode;
        }));

        Assert.Contains(StatusCode.ResourceExhausted, statuses);
    }

    [Fact]
    public async Task StopAsync_WhileWriting_QueuedBatchesCommittedAndAckedPrefixStored()
    {
        await using var server = await IngestServer.StartAsync(fx.Url);
        var run = (await server.Client.OpenRunAsync(new OpenRunRequest { RunName = "shutdown", WriterId = "w" }, IngestServer.Bearer(fx.WriteToken))).RunId;
        using var writer = await TestWriter.OpenAsync(server.Client, fx.WriteToken, run, "w");
        for (ulong seq = 1; seq <= 30; seq++)
        {
            await writer.SendAsync(Batches.Scalar(seq, "x", [.. Enumerable.Range(0, 100).Select(i => (long)seq * 1000 + i)]));
        }

        await writer.NextAckAsync();
        var stopping = server.App.StopAsync();
        var (acks, status) = await writer.DrainAsync();
        await stopping;

        Assert.Contains(status.StatusCode, new[] { StatusCode.OK, StatusCode.Unavailable });
        var lastSeq = await ScalarAsync(fx.DataSource, "SELECT last_seq FROM writers WHERE run_id = $1 AND writer_id = 'w'", run);
        Assert.True(acks.Count == 0 || (long)acks[^1] <= lastSeq, "an acked batch was not committed");
        Assert.Equal(lastSeq * 100, (await SeriesStatsAsync(fx.DataSource, run, "x")).Count);
    }
}
