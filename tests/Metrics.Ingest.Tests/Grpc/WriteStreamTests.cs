using Google.Protobuf;
using Grpc.Core;
using Metrics.Contracts.V1;
using static Metrics.Testing.StoredData;

namespace Metrics.Ingest.Tests.Grpc;

public sealed class WriteStreamTests(IngestFixture fx) : IClassFixture<IngestFixture>
{
    private Metrics.Contracts.V1.Ingest.IngestClient Client => fx.Server.Client;

    private async Task<long> OpenRunAsync(string name, string writer = "w1", long? restart = null)
    {
        var request = new OpenRunRequest { RunName = name, WriterId = writer };
        if (restart is { } step)
        {
            request.RestartAtStep = step;
        }

        return (await Client.OpenRunAsync(request, IngestServer.Bearer(fx.WriteToken))).RunId;
    }

    [Fact]
    public async Task OpenRun_SameNameTwice_SameRunAndLastSeq()
    {
        var request = new OpenRunRequest { RunName = "mnist/lr-0.01/train", WriterId = "w1", Hparams = { ["lr"] = new HParamValue { NumberValue = 0.01 } }, HparamMetrics = { "loss" } };

        var first = await Client.OpenRunAsync(request, IngestServer.Bearer(fx.WriteToken));
        var second = await Client.OpenRunAsync(request, IngestServer.Bearer(fx.WriteToken));

        Assert.Equal(first.RunId, second.RunId);
        Assert.Equal(0UL, second.LastCommittedSeq);
        Assert.Equal(1L, await ScalarAsync(fx.DataSource, "SELECT count(*) FROM runs WHERE hparams->>'lr' = '0.01' AND run_id = $1", first.RunId));
    }

    [Fact]
    public async Task Write_Batches_AckedInOrderAfterCommit()
    {
        var run = await OpenRunAsync("acks");
        using var writer = await TestWriter.OpenAsync(Client, fx.WriteToken, run, "w1");

        Assert.Equal(0UL, writer.Resume);
        for (ulong seq = 1; seq <= 20; seq++)
        {
            await writer.SendAsync(Batches.Scalar(seq, "loss", (long)seq * 10, (long)seq * 10 + 1));
        }

        var acks = await writer.CompleteAsync();

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (ulong)i), acks);
        Assert.Equal(40, (await ReadScalarsAsync(fx.DataSource, run, "loss")).Count);
        Assert.Equal(20L, await ScalarAsync(fx.DataSource, "SELECT last_seq FROM writers WHERE run_id = $1", run));
    }

    [Fact]
    public async Task Write_Reconnect_ResumesFromLastCommittedAndSkipsResentBatch()
    {
        var run = await OpenRunAsync("resume");
        using (var first = await TestWriter.OpenAsync(Client, fx.WriteToken, run, "w1"))
        {
            await first.SendAsync(Batches.Scalar(1, "x", 1));
            await first.SendAsync(Batches.Scalar(2, "x", 2));
            await first.CompleteAsync();
        }

        using var second = await TestWriter.OpenAsync(Client, fx.WriteToken, run, "w1");
        await second.SendAsync(Batches.Scalar(2, "x", 2));
        await second.SendAsync(Batches.Scalar(3, "x", 3));
        var acks = await second.CompleteAsync();

        Assert.Equal(2UL, second.Resume);
        Assert.Equal([2UL, 3UL], acks);
        Assert.Equal([1L, 2L, 3L], (await ReadScalarsAsync(fx.DataSource, run, "x")).Select(p => p.Step));
        Assert.Equal((3L, 1L, 3L), await SeriesStatsAsync(fx.DataSource, run, "x"));
    }

    [Fact]
    public async Task Write_LaterWriteOfSameStep_ReplacesAndBumpsVersions()
    {
        var run = await OpenRunAsync("replace");
        using var writer = await TestWriter.OpenAsync(Client, fx.WriteToken, run, "w1");
        await writer.SendAsync(Batches.Scalar(1, "x", 1, 2, 3));
        await writer.NextAckAsync();
        var before = await VersionsAsync(fx.DataSource, run);

        var replace = new Batch { Seq = 2, Scalars = { new ScalarSeries { Tag = "x", Steps = { 2 }, WallTimes = { 5 }, Values = { 99 } } } };
        await writer.SendAsync(replace);
        await writer.CompleteAsync();

        Assert.Equal([(1L, 0.5), (2L, 99.0), (3L, 1.5)], await ReadScalarsAsync(fx.DataSource, run, "x"));
        var after = await VersionsAsync(fx.DataSource, run);
        Assert.Equal(before.Data + 1, after.Data);
        Assert.Equal(before.Rewrite + 1, after.Rewrite);
        Assert.Equal((3L, 1L, 3L), await SeriesStatsAsync(fx.DataSource, run, "x"));
    }

    [Fact]
    public async Task Write_RestartAtStepInBatch_SupersedesLaterSteps()
    {
        var run = await OpenRunAsync("restart-batch");
        using var writer = await TestWriter.OpenAsync(Client, fx.WriteToken, run, "w1");
        await writer.SendAsync(Batches.Scalar(1, "x", 1, 2, 3, 4));
        await writer.SendAsync(new Batch { Seq = 2, RestartAtStep = 3, Scalars = { Batches.Scalars("x", 3) } });
        await writer.CompleteAsync();

        Assert.Equal([1L, 2L, 3L], (await ReadScalarsAsync(fx.DataSource, run, "x")).Select(p => p.Step));
        Assert.Equal((3L, 1L, 3L), await SeriesStatsAsync(fx.DataSource, run, "x"));
        Assert.True((await VersionsAsync(fx.DataSource, run)).Rewrite >= 1);
    }

    [Fact]
    public async Task OpenRun_RestartForNewWriter_DeletesLaterStepsOnce()
    {
        var run = await OpenRunAsync("restart-open");
        using (var writer = await TestWriter.OpenAsync(Client, fx.WriteToken, run, "job-1"))
        {
            await writer.SendAsync(Batches.Scalar(1, "x", 1, 2, 3, 4));
            await writer.CompleteAsync();
        }

        var resumed = await OpenRunAsync("restart-open", "job-2", restart: 3);
        using (var writer = await TestWriter.OpenAsync(Client, fx.WriteToken, run, "job-2"))
        {
            await writer.SendAsync(new Batch { Seq = 1, Scalars = { Batches.Scalars("x", 3) } });
            await writer.CompleteAsync();
        }

        await OpenRunAsync("restart-open", "job-2", restart: 3);

        Assert.Equal(run, resumed);
        Assert.Equal([1L, 2L, 3L], (await ReadScalarsAsync(fx.DataSource, run, "x")).Select(p => p.Step));
        Assert.Equal(1L, (await VersionsAsync(fx.DataSource, run)).Rewrite);
    }

    [Fact]
    public async Task Write_TensorAndChunkedBlob_Stored()
    {
        var run = await OpenRunAsync("kinds");
        var image = Enumerable.Range(0, 50_000).Select(i => (byte)(i * 7)).ToArray();
        var sha = System.Security.Cryptography.SHA256.HashData(image);
        using var writer = await TestWriter.OpenAsync(Client, fx.WriteToken, run, "w1");

        await writer.SendAsync(new Batch { Seq = 1, BlobChunks = { new BlobChunk { Sha256 = ByteString.CopyFrom(sha), Offset = 0, Data = ByteString.CopyFrom(image, 0, 30_000) } } });
        await writer.SendAsync(new Batch
        {
            Seq = 2,
            Metadata =
            {
                new SeriesMetadata { Tag = "hist", PluginName = "histograms", DataClass = DataClass.Tensor },
                new SeriesMetadata { Tag = "img", PluginName = "images", DataClass = DataClass.BlobSequence },
            },
            Tensors = { new TensorPoint { Tag = "hist", Step = 1, WallTime = 1, Tensor = Batches.Histogram(4) } },
            Blobs =
            {
                new BlobPoint
                {
                    Tag = "img", Step = 1, WallTime = 1,
                    Blobs = { new BlobRef { Data = ByteString.CopyFromUtf8("28") }, new BlobRef { Chunked = new ChunkedBlob { Sha256 = ByteString.CopyFrom(sha), Size = image.Length } } },
                },
            },
            BlobChunks = { new BlobChunk { Sha256 = ByteString.CopyFrom(sha), Offset = 30_000, Data = ByteString.CopyFrom(image, 30_000, 20_000) } },
        });
        var acks = await writer.CompleteAsync();

        Assert.Equal([1UL, 2UL], acks);
        Assert.Equal(50_000L, await ScalarAsync(fx.DataSource, "SELECT size FROM blobs WHERE sha256 = $1", sha));
        Assert.Equal(0L, await ScalarAsync(fx.DataSource, "SELECT count(*) FROM blob_chunks WHERE run_id = $1", run));
        Assert.Equal(1L, await ScalarAsync(fx.DataSource, "SELECT count(*) FROM tensor_points p JOIN series s USING (series_id) WHERE s.run_id = $1 AND p.shape = '{4,3}' AND p.dtype = 2", run));
    }

    [Fact]
    public async Task Write_ManyWritersManyRuns_EverythingAckedIsStored()
    {
        const int writers = 50, runs = 10, batches = 10, pointsPerBatch = 50;
        var runIds = new long[runs];
        for (var r = 0; r < runs; r++)
        {
            runIds[r] = await OpenRunAsync($"many/run-{r}", "setup");
        }

        await Task.WhenAll(Enumerable.Range(0, writers).Select(async w =>
        {
            var run = runIds[w % runs];
            await OpenRunAsync($"many/run-{w % runs}", $"rank-{w}");
            using var writer = await TestWriter.OpenAsync(Client, fx.WriteToken, run, $"rank-{w}");
            for (ulong seq = 1; seq <= batches; seq++)
            {
                var steps = Enumerable.Range(0, pointsPerBatch).Select(i => (long)(w * 1_000_000 + (int)seq * 1000 + i)).ToArray();
                var batch = new Batch { Seq = seq, Scalars = { Batches.Scalars("shared", steps), Batches.Scalars($"rank-{w}", steps) } };
                batch.Metadata.Add(Batches.ScalarMeta("shared"));
                batch.Metadata.Add(Batches.ScalarMeta($"rank-{w}"));
                await writer.SendAsync(batch);
            }

            var acks = await writer.CompleteAsync();
            Assert.Equal(batches, acks.Count);
        }));

        for (var r = 0; r < runs; r++)
        {
            var perRun = writers / runs;
            Assert.Equal((long)perRun * batches * pointsPerBatch, (await SeriesStatsAsync(fx.DataSource, runIds[r], "shared")).Count);
            Assert.Equal(perRun * batches * pointsPerBatch, (await ReadScalarsAsync(fx.DataSource, runIds[r], "shared")).Count);
        }

        Assert.Equal((long)writers * batches * pointsPerBatch * 2, await ScalarAsync(fx.DataSource,
            "SELECT sum(c.point_count) FROM all_scalar_chunks c JOIN series s USING (series_id) JOIN runs r USING (run_id) WHERE r.name LIKE 'many/%'"));
    }

    [Fact]
    public async Task Write_RejectedBatch_EarlierOnesAckedNothingOfItWritten()
    {
        var run = await OpenRunAsync("reject-mid");
        using var writer = await TestWriter.OpenAsync(Client, fx.WriteToken, run, "w1");
        await writer.SendAsync(Batches.Scalar(1, "x", 1));
        await writer.SendAsync(new Batch { Seq = 2, Scalars = { Batches.Scalars("never-declared", 2) } });
        await writer.SendAsync(Batches.Scalar(3, "x", 3));

        var (acks, status) = await writer.DrainAsync();

        Assert.Equal([1UL], acks);
        Assert.Equal(StatusCode.InvalidArgument, status.StatusCode);
        Assert.StartsWith("batch.scalars[0].tag", status.Detail, StringComparison.Ordinal);
        Assert.Equal(1L, await ScalarAsync(fx.DataSource, "SELECT last_seq FROM writers WHERE run_id = $1 AND writer_id = 'w1'", run));
        Assert.Equal([1L], (await ReadScalarsAsync(fx.DataSource, run, "x")).Select(p => p.Step));
    }

    [Fact]
    public async Task Health_GrpcHealthService_Serving()
    {
        var health = new global::Grpc.Health.V1.Health.HealthClient(fx.Server.Channel);

        var response = await health.CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest());

        Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }
}
