using Grpc.Core;
using Metrics.Contracts.V1;
using Metrics.Testing;
using static Metrics.Testing.StoredData;

namespace Metrics.Ingest.Tests.Grpc;

/// <summary>Resends after dropped connections and replays to a second ingest instance leave exactly the points sent.</summary>
public sealed class ExactlyOnceTests(IngestFixture fx) : IClassFixture<IngestFixture>
{
    private const int BatchCount = 60;
    private const int PointsPerBatch = 25;

    private static Batch BatchFor(ulong seq)
    {
        var steps = Enumerable.Range(0, PointsPerBatch).Select(i => (long)seq * 1000 + i).ToArray();
        var batch = new Batch { Seq = seq, Scalars = { Batches.Scalars("loss", steps) } };
        if (seq == 1)
        {
            batch.Metadata.Add(Batches.ScalarMeta("loss"));
        }

        return batch;
    }

    private static List<(long Step, double Value)> Expected() =>
        [.. Enumerable.Range(1, BatchCount).SelectMany(s => Enumerable.Range(0, PointsPerBatch).Select(i => ((long)s * 1000 + i, ((long)s * 1000 + i) * 0.5)))];

    private async Task<long> OpenRunAsync(string name, string writer) =>
        (await fx.Server.Client.OpenRunAsync(new OpenRunRequest { RunName = name, WriterId = writer }, IngestServer.Bearer(fx.WriteToken))).RunId;

    [Fact]
    public async Task Write_ConnectionDroppedAtRandomPoints_EveryPointStoredOnce()
    {
        var run = await OpenRunAsync("exactly-once/drops", "flaky");
        var random = new Random(4);
        ulong acked = 0;
        var reconnects = 0;
        while (acked < BatchCount)
        {
            reconnects++;
            Assert.True(reconnects < 200, "no progress");
            using var cancel = new CancellationTokenSource();
            using var writer = await TestWriter.OpenAsync(fx.Server.Client, fx.WriteToken, run, "flaky", cancel.Token);
            Assert.True(writer.Resume >= acked, "the server forgot an acked batch");
            acked = writer.Resume;

            // Resend a little before the resume point too, as a writer unsure of its acks would.
            var from = Math.Max(1, (long)writer.Resume - random.Next(0, 3));
            var dropAfter = random.Next(1, 15);
            var sent = 0;
            try
            {
                for (var seq = (ulong)from; seq <= BatchCount; seq++)
                {
                    await writer.SendAsync(BatchFor(seq));
                    if (++sent == dropAfter)
                    {
                        // Read a random number of acks, then drop the connection mid-stream.
                        for (var i = random.Next(0, sent); i > 0; i--)
                        {
                            acked = Math.Max(acked, await writer.NextAckAsync());
                        }

                        await cancel.CancelAsync();
                        break;
                    }
                }

                if (!cancel.IsCancellationRequested)
                {
                    acked = Math.Max(acked, (await writer.CompleteAsync()).DefaultIfEmpty(acked).Max());
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
            {
                // The drop.
            }
        }

        // Commits of the last dropped streams may still be landing: wait until the writer's seq says all are in.
        await Eventually.TrueAsync(
            async () => await ScalarAsync(fx.DataSource, "SELECT last_seq FROM writers WHERE run_id = $1 AND writer_id = 'flaky'", run) == BatchCount,
            TimeSpan.FromSeconds(30),
            () => $"the writer's last_seq to reach {BatchCount}");
        Assert.Equal(Expected(), await ReadScalarsAsync(fx.DataSource, run, "loss"));
        Assert.Equal(((long)BatchCount * PointsPerBatch, 1000L, (long)BatchCount * 1000 + PointsPerBatch - 1), await SeriesStatsAsync(fx.DataSource, run, "loss"));
        Assert.Equal((long)BatchCount * PointsPerBatch, await ScalarAsync(fx.DataSource, "SELECT points FROM writers WHERE run_id = $1 AND writer_id = 'flaky'", run));
    }

    [Fact]
    public async Task Write_SameBatchesToTwoIngestInstances_StoredOnce()
    {
        var run = await OpenRunAsync("exactly-once/replicas", "twin");
        await using var second = await IngestServer.StartAsync(fx.Url);

        async Task<List<ulong>> SendAllAsync(Metrics.Contracts.V1.Ingest.IngestClient client)
        {
            using var writer = await TestWriter.OpenAsync(client, fx.WriteToken, run, "twin");
            for (ulong seq = 1; seq <= BatchCount; seq++)
            {
                await writer.SendAsync(BatchFor(seq));
            }

            return await writer.CompleteAsync();
        }

        // Both instances get every batch at once; each acks them all, one of them stores each.
        var results = await Task.WhenAll(SendAllAsync(fx.Server.Client), SendAllAsync(second.Client));

        Assert.All(results, acks => Assert.Equal((ulong)BatchCount, acks[^1]));
        Assert.Equal(Expected(), await ReadScalarsAsync(fx.DataSource, run, "loss"));
        Assert.Equal((long)BatchCount * PointsPerBatch, (await SeriesStatsAsync(fx.DataSource, run, "loss")).Count);

        // A late replay of an old batch to the second instance is acked and not stored again.
        using var replay = await TestWriter.OpenAsync(second.Client, fx.WriteToken, run, "twin");
        await replay.SendAsync(BatchFor(7));
        Assert.Equal([7UL], await replay.CompleteAsync());
        Assert.Equal(Expected(), await ReadScalarsAsync(fx.DataSource, run, "loss"));
    }
}
