using System.Text.Json;
using Google.Protobuf;
using Metrics.Client.Internal;
using Metrics.Client.Tests.Support;
using Metrics.Contracts.TensorBoard;
using Metrics.Contracts.TensorBoard.HParams;
using Metrics.TensorBoard;

namespace Metrics.Client.Tests;

public sealed class SummaryWriterEndToEndTests(IngestFixture ingest) : IClassFixture<IngestFixture>
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_250);

    [Fact]
    public async Task AddHParams_FloatValue_StoredAsTheDecimalTheUserWrote()
    {
        const string Run = "sdk/float-hparam";
        await using (var writer = new SummaryWriter(ingest.Options(Run)))
        {
            writer.AddHParams(new Dictionary<string, object> { ["lr"] = 0.05f, ["momentum"] = 0.9f, ["exact"] = 0.1 });
        }

        var (hparamsJson, _) = await ingest.Stored.HParamsAsync(Run);
        using var hparams = JsonDocument.Parse(hparamsJson);
        Assert.Equal(0.05, hparams.RootElement.GetProperty("lr").GetDouble());
        Assert.Equal(0.9, hparams.RootElement.GetProperty("momentum").GetDouble());
        Assert.Equal(0.1, hparams.RootElement.GetProperty("exact").GetDouble());
        var session = HParamsPluginData.Parser.ParseFrom((await ingest.Stored.SeriesAsync(Run))["_hparams_/session_start_info"].PluginContent).SessionStartInfo;
        Assert.Equal(0.05, session.Hparams["lr"].NumberValue);
    }

    [Fact]
    public async Task EveryKind_WrittenThenClosed_StoredExactly()
    {
        const string Run = "sdk/every-kind";
        var raw = Enumerable.Range(0, 500).Select(i => Math.Sin(i * 0.37) * 2.5).ToArray();
        var pixels = Enumerable.Range(0, 4 * 3 * 3).Select(i => (byte)(i * 11)).ToArray();
        var png = PngEncoder.Encode(pixels, 4, 3, PixelFormat.Rgb);
        var samples = Enumerable.Range(0, 800).Select(i => MathF.Sin(i * 0.1f) * 0.8f).ToArray();
        var graph = new GraphDef { Node = { new NodeDef { Name = "x", Op = "Placeholder" }, new NodeDef { Name = "y", Op = "MatMul", Input = { "x" } } } };
        double[] values = [0.5, double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 1e-310, 3.141592653589793];
        HistogramBucket[] buckets = [new(-1, 0, 3), new(0, 1, 4.5)];

        await using (var writer = new SummaryWriter(ingest.Options(Run)))
        {
            for (var i = 0; i < values.Length; i++)
            {
                writer.AddScalar("loss", values[i], i, T0.AddSeconds(i));
            }

            writer.AddScalars("acc", new Dictionary<string, double> { ["train"] = 0.75, ["eval"] = 0.5 }, 3, T0);
            writer.AddHistogram("weights", raw, 10, wallTime: T0);
            writer.AddHistogramBuckets("given", buckets, 11, T0);
            writer.AddImage("image/png", png, 12, T0);
            writer.AddImagePixels("image/pixels", pixels, 4, 3, PixelFormat.Rgb, 13, T0);
            writer.AddAudio("audio", samples, 8000, 14, wallTime: T0);
            writer.AddText("notes", "step **14** 学习", 14, T0);
            writer.AddGraph(graph.ToByteArray(), 0, T0);
            writer.AddHParams(new Dictionary<string, object> { ["lr"] = 0.01, ["optimizer"] = "adam", ["layers"] = 3, ["bn"] = true }, ["loss"]);
            var closed = await writer.CloseAsync();
            Assert.True(closed.Complete);
            Assert.Null(closed.JournalDirectory);
        }

        var stored = ingest.Stored;
        var loss = await stored.ScalarsAsync(Run, "loss");
        Assert.Equal(values.Length, loss.Count);
        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal(i, loss[i].Step);
            Assert.Equal(BitConverter.DoubleToInt64Bits(values[i]), BitConverter.DoubleToInt64Bits(loss[i].Value));
            Assert.Equal(WallTimes.Of(T0.AddSeconds(i)), loss[i].WallTime);
        }

        Assert.Equal(0.75, Assert.Single(await stored.ScalarsAsync(Run, "acc/train")).Value);
        Assert.Equal(0.5, Assert.Single(await stored.ScalarsAsync(Run, "acc/eval")).Value);

        var weights = Assert.Single(await stored.TensorsAsync(Run, "weights"));
        var expected = HistogramBuckets.Compute(raw, 30);
        Assert.Equal(Contracts.TensorBoard.DataType.DtDouble, weights.Tensor.Dtype);
        Assert.Equal(new long[] { 30, 3 }, TensorValues.Shape(weights.Tensor));
        Assert.Equal(expected.SelectMany(b => new[] { b.Left, b.Right, b.Count }), TensorValues.ToDoubles(weights.Tensor));
        Assert.Equal(new double[] { -1, 0, 3, 0, 1, 4.5 }, TensorValues.ToDoubles(Assert.Single(await stored.TensorsAsync(Run, "given")).Tensor));

        var image = Assert.Single(await stored.BlobsAsync(Run, "image/png"));
        Assert.Equal(12, image.Step);
        Assert.Equal(new[] { "4"u8.ToArray(), "3"u8.ToArray(), png }, image.Blobs);
        Assert.Equal(png, Assert.Single(await stored.BlobsAsync(Run, "image/pixels")).Blobs[2]);
        var audio = Assert.Single(await stored.BlobsAsync(Run, "audio"));
        Assert.Equal(WavEncoder.Encode(samples, 8000, 1), Assert.Single(audio.Blobs));
        var text = Assert.Single(await stored.TensorsAsync(Run, "notes"));
        Assert.Equal("step **14** 学习", text.Tensor.StringVal.Single().ToStringUtf8());
        var storedGraph = Assert.Single(await stored.BlobsAsync(Run, PluginNames.RunGraphTag));
        Assert.Equal(2, GraphDef.Parser.ParseFrom(Assert.Single(storedGraph.Blobs)).Node.Count);

        var series = await stored.SeriesAsync(Run);
        Assert.Equal((PluginNames.Scalars, (short)1), (series["loss"].PluginName, series["loss"].DataClass));
        Assert.Equal((PluginNames.Histograms, (short)2), (series["weights"].PluginName, series["weights"].DataClass));
        Assert.Equal((PluginNames.Images, (short)3), (series["image/png"].PluginName, series["image/png"].DataClass));
        Assert.Equal((PluginNames.Audio, (short)3), (series["audio"].PluginName, series["audio"].DataClass));
        Assert.Equal((PluginNames.Text, (short)2), (series["notes"].PluginName, series["notes"].DataClass));
        Assert.Equal((PluginNames.Graphs, (short)3), (series[PluginNames.RunGraphTag].PluginName, series[PluginNames.RunGraphTag].DataClass));
        var session = HParamsPluginData.Parser.ParseFrom(series["_hparams_/session_start_info"].PluginContent).SessionStartInfo;
        Assert.Equal(0.01, session.Hparams["lr"].NumberValue);
        Assert.Equal("adam", session.Hparams["optimizer"].StringValue);
        Assert.True(session.Hparams["bn"].BoolValue);
        var experiment = HParamsPluginData.Parser.ParseFrom(series["_hparams_/experiment"].PluginContent).Experiment;
        Assert.Equal("loss", Assert.Single(experiment.MetricInfos).Name.Tag);

        var (hparamsJson, metrics) = await stored.HParamsAsync(Run);
        using var hparams = JsonDocument.Parse(hparamsJson);
        Assert.Equal(0.01, hparams.RootElement.GetProperty("lr").GetDouble());
        Assert.Equal(3, hparams.RootElement.GetProperty("layers").GetDouble());
        Assert.Equal("adam", hparams.RootElement.GetProperty("optimizer").GetString());
        Assert.True(hparams.RootElement.GetProperty("bn").GetBoolean());
        Assert.Equal(new[] { "loss" }, metrics);
    }

    [Fact]
    public async Task LargeImage_AboveInlineLimit_SentInChunksAndStoredWhole()
    {
        const string Run = "sdk/large-blob";
        var pixels = new byte[700 * 700 * 3];
        new Random(7).NextBytes(pixels);
        var png = PngEncoder.Encode(pixels, 700, 700, PixelFormat.Rgb);
        Assert.True(png.Length > BlobRefs.InlineLimit);

        await using (var writer = new SummaryWriter(ingest.Options(Run)))
        {
            writer.AddImage("big", png, 1, T0);
            Assert.True((await writer.CloseAsync()).Complete);
        }

        Assert.Equal(png, Assert.Single(await ingest.Stored.BlobsAsync(Run, "big")).Blobs[2]);
    }

    [Fact]
    public async Task TwoWriters_OneRun_BothStored()
    {
        const string Run = "sdk/ranks";
        await using (var rank0 = new SummaryWriter(ingest.Options(Run, "rank-0")))
        await using (var rank1 = new SummaryWriter(ingest.Options(Run, "rank-1")))
        {
            for (var step = 0; step < 100; step++)
            {
                rank0.AddScalar("rank0/loss", step, step);
                rank1.AddScalar("rank1/loss", -step, step);
            }

            await Task.WhenAll(rank0.FlushAsync(), rank1.FlushAsync());
        }

        Assert.Equal(100, (await ingest.Stored.ScalarsAsync(Run, "rank0/loss")).Count);
        Assert.Equal(100, (await ingest.Stored.ScalarsAsync(Run, "rank1/loss")).Count);
    }

    [Fact]
    public async Task PinnedWriterId_RestartedProcess_ContinuesAfterCommittedBatches()
    {
        const string Run = "sdk/pinned";
        var journal = Path.Combine(Path.GetTempPath(), "metrics-client-tests-" + Guid.NewGuid().ToString("N"));
        await using (var first = new SummaryWriter(ingest.Options(Run, "rank-0", journal)))
        {
            for (var step = 0; step < 50; step++)
            {
                first.AddScalar("loss", step, step);
                first.Flush();
            }
        }

        await using (var second = new SummaryWriter(ingest.Options(Run, "rank-0", journal)))
        {
            for (var step = 50; step < 100; step++)
            {
                second.AddScalar("loss", step, step);
            }

            Assert.True((await second.CloseAsync()).Complete);
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), (await ingest.Stored.ScalarsAsync(Run, "loss")).Select(p => p.Step));
    }

    [Fact]
    public async Task MarkRestart_MidRun_SupersedesLaterSteps()
    {
        const string Run = "sdk/restart";
        await using (var writer = new SummaryWriter(ingest.Options(Run)))
        {
            for (var step = 0; step < 20; step++)
            {
                writer.AddScalar("loss", 1, step);
                writer.AddScalar("other", 1, step);
            }

            writer.MarkRestart(10);
            for (var step = 10; step < 15; step++)
            {
                writer.AddScalar("loss", 2, step);
            }
        }

        var loss = await ingest.Stored.ScalarsAsync(Run, "loss");
        Assert.Equal(Enumerable.Range(0, 15).Select(i => (long)i), loss.Select(p => p.Step));
        Assert.All(loss, p => Assert.Equal(p.Step < 10 ? 1 : 2, p.Value));
        Assert.Equal(10, (await ingest.Stored.ScalarsAsync(Run, "other")).Count);
    }

    [Fact]
    public async Task FlushAsync_BadToken_ThrowsSummaryWriterException()
    {
        var options = ingest.Options("sdk/bad-token");
        await using var writer = new SummaryWriter(new SummaryWriterOptions { Server = options.Server, Token = "not-a-token", RunName = options.RunName, JournalDirectory = options.JournalDirectory });
        writer.AddScalar("loss", 1, 1);

        var error = await Assert.ThrowsAsync<SummaryWriterException>(() => writer.FlushAsync());

        Assert.Contains("Unauthenticated", error.Message, StringComparison.Ordinal);
        Assert.Throws<SummaryWriterException>(() => writer.AddScalar("loss", 2, 2));
        Assert.NotNull(writer.Statistics.Fault);
    }

    [Fact]
    public async Task AddScalar_TagWithOtherDataClass_Throws()
    {
        await using var writer = new SummaryWriter(ingest.Options("sdk/data-class"));
        writer.AddText("t", "x", 0);
        Assert.Throws<ArgumentException>(() => writer.AddScalar("t", 1, 1));
    }
}
