using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Metrics.Contracts.TensorBoard;
using Metrics.Contracts.TensorBoard.Data;
using Metrics.Query.TensorBoard;
using Metrics.Storage.Writes;

namespace Metrics.Query.Tests.TensorBoard;

/// <summary>
/// The data provider's edges through a real gRPC channel: downsampling (0, 1, exactly the length,
/// NaN/±Inf, a long series read through its block summary), filters, a restart, bad input, projects
/// that are not served, live reads, and the port serving nothing else.
/// </summary>
public sealed class TensorBoardDataProviderServiceTests(TensorBoardProviderFixture fixture) : IClassFixture<TensorBoardProviderFixture>
{
    private readonly Dictionary<long, long> _seqs = [];

    [Fact]
    public async Task ReadScalars_NumPointsEdges_WholeWhenItFitsElseAtMostNumPointsWithTheLast()
    {
        var values = Enumerable.Range(0, 100).Select(i => i switch { 10 => double.NaN, 20 => double.PositiveInfinity, 30 => double.NegativeInfinity, _ => Math.Sin(i / 7.0) }).ToArray();
        await WriteScalarsAsync("tb-edges", "short", "v", 0, values);

        Assert.Empty((await ReadScalarsAsync("tb-edges", "short", "v", 0)).Step);
        var one = await ReadScalarsAsync("tb-edges", "short", "v", 1);
        Assert.Equal([99L], one.Step);
        Assert.Equal((float)values[99], one.Value[0]);
        foreach (var n in new long[] { 100, 101, 1_000_000_000_000 })
        {
            var whole = await ReadScalarsAsync("tb-edges", "short", "v", n);
            Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), whole.Step);
            Assert.Equal(values.Select(v => (float)v), whole.Value);
        }

        foreach (var n in new long[] { 2, 3, 4, 5, 10, 99 })
        {
            var sampled = await ReadScalarsAsync("tb-edges", "short", "v", n);
            Assert.InRange(sampled.Step.Count, 1, (int)n);
            Assert.Equal(99, sampled.Step[^1]);
            Assert.True(sampled.Step.Zip(sampled.Step.Skip(1)).All(p => p.First < p.Second));
            Assert.Equal(sampled.Step, (await ReadScalarsAsync("tb-edges", "short", "v", n)).Step); // deterministic
        }

        // Shape-keeping: the buckets keep the NaN, the maximum and the minimum.
        var ten = await ReadScalarsAsync("tb-edges", "short", "v", 10);
        Assert.Contains(float.NaN, ten.Value);
        Assert.Contains(float.PositiveInfinity, ten.Value);
        Assert.Contains(float.NegativeInfinity, ten.Value);
    }

    [Fact]
    public async Task ReadScalars_LongSeries_DownsampledFromBlockSummaryWithFirstAndLastPoint()
    {
        var values = Enumerable.Range(0, 70_000).Select(i => i == 12_345 ? 1e6 : i % 100 / 100.0).ToArray();
        await WriteScalarsAsync("tb-edges", "long", "v", 0, values);

        var sampled = await ReadScalarsAsync("tb-edges", "long", "v", 1000);
        Assert.InRange(sampled.Step.Count, 900, 1000);
        Assert.Equal(0, sampled.Step[0]);
        Assert.Equal(69_999, sampled.Step[^1]);
        Assert.Contains(12_345, sampled.Step);
        Assert.Equal(70_000, (await ReadScalarsAsync("tb-edges", "long", "v", 70_000)).Step.Count);
    }

    [Fact]
    public async Task ReadTensorsAndBlobSequences_NumPointsEdges_StepsEvenlyWithTheLast()
    {
        var writer = await OpenAsync("tb-edges", "sampled");
        var tensors = Enumerable.Range(0, 10).Select(i => new TensorPointData("h", i, 100 + i, (short)DataType.DtDouble, [1], Google.Protobuf.MessageExtensions.ToByteArray(new TensorProto { Dtype = DataType.DtDouble, TensorShape = Shape(1), DoubleVal = { i } }))).ToList();
        var blobs = Enumerable.Range(0, 10).Select(i => new BlobPointData("img", i, 100 + i, [BlobValue.Inline([(byte)i]), BlobValue.Inline([(byte)i, 1])])).ToList();
        await WriteAsync(writer, new WriteBatch
        {
            RunId = writer,
            WriterId = "w",
            Seq = NextSeq(writer),
            Metadata = [new SeriesDefinition("h", SeriesDataClass.Tensor, "histograms", []), new SeriesDefinition("img", SeriesDataClass.BlobSequence, "images", [])],
            Tensors = tensors,
            Blobs = blobs,
        });

        foreach (var (n, want) in new (long, long[])[] { (0, []), (1, [9]), (2, [0, 9]), (10, [.. Enumerable.Range(0, 10).Select(i => (long)i)]), (50, [.. Enumerable.Range(0, 10).Select(i => (long)i)]) })
        {
            var tensorData = (await fixture.Client.ReadTensorsAsync(new ReadTensorsRequest { ExperimentId = "tb-edges", PluginFilter = Plugin("histograms"), RunTagFilter = TensorBoardJson.Filter(["sampled"]), Downsample = new Downsample { NumPoints = n } })).Runs.Single().Tags.Single().Data;
            Assert.Equal(want, tensorData.Step);
            Assert.Equal(want.Select(s => (double)s), tensorData.Value.Select(t => t.DoubleVal[0]));
            var blobData = (await fixture.Client.ReadBlobSequencesAsync(new ReadBlobSequencesRequest { ExperimentId = "tb-edges", PluginFilter = Plugin("images"), RunTagFilter = TensorBoardJson.Filter(["sampled"]), Downsample = new Downsample { NumPoints = n } })).Runs.Single().Tags.Single().Data;
            Assert.Equal(want, blobData.Step);
            Assert.All(blobData.Values, v => Assert.Equal(2, v.BlobRefs.Count));
        }

        var five = (await fixture.Client.ReadTensorsAsync(new ReadTensorsRequest { ExperimentId = "tb-edges", PluginFilter = Plugin("histograms"), RunTagFilter = TensorBoardJson.Filter(["sampled"]), Downsample = new Downsample { NumPoints = 5 } })).Runs.Single().Tags.Single().Data;
        Assert.Equal(5, five.Step.Count);
        Assert.Equal(9, five.Step[^1]);
    }

    [Fact]
    public async Task Filters_AbsentMatchesAllEmptyMatchesNoneNamesMatchExactly()
    {
        foreach (var run in new[] { "a", "b" })
        {
            var writer = await OpenAsync("tb-filters", run);
            await WriteAsync(writer, Scalars(writer, ["x", "y"], 0, [1, 2, 3]));
        }

        async Task<List<(string Run, string Tag)>> ListAsync(string experiment, RunTagFilter? filter) =>
            [.. (await fixture.Client.ListScalarsAsync(new ListScalarsRequest { ExperimentId = experiment, PluginFilter = Plugin("scalars"), RunTagFilter = filter }))
                .Runs.SelectMany(r => r.Tags.Select(t => (r.RunName, t.TagName)))];

        Assert.Equal([("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")], await ListAsync("tb-filters", null));
        Assert.Equal([("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")], await ListAsync("tb-filters", new RunTagFilter()));
        Assert.Empty(await ListAsync("tb-filters", TensorBoardJson.Filter(runs: [])));
        Assert.Empty(await ListAsync("tb-filters", TensorBoardJson.Filter(tags: [])));
        Assert.Equal([("a", "y")], await ListAsync("tb-filters", TensorBoardJson.Filter(["a"], ["y"])));
        Assert.Equal([("b", "x"), ("b", "y")], await ListAsync("tb-filters", TensorBoardJson.Filter(["b", "nope"])));
        Assert.Empty(await ListAsync("tb-filters", TensorBoardJson.Filter(["tb-filters/a"])));
        Assert.Equal([("tb-filters/a", "x")], await ListAsync("", TensorBoardJson.Filter(["tb-filters/a"], ["x"])));
        Assert.Empty(await ListAsync("tb-filters", TensorBoardJson.Filter(tags: ["nope"])));

        // Another plugin's name matches none of these scalars.
        Assert.Empty((await fixture.Client.ListScalarsAsync(new ListScalarsRequest { ExperimentId = "tb-filters", PluginFilter = Plugin("histograms") })).Runs);
        var read = await fixture.Client.ReadScalarsAsync(new ReadScalarsRequest { ExperimentId = "tb-filters", PluginFilter = Plugin("scalars"), RunTagFilter = TensorBoardJson.Filter(["a"], ["x"]), Downsample = new Downsample { NumPoints = 10 } });
        Assert.Equal([1f, 2f, 3f], read.Runs.Single().Tags.Single().Data.Value);

        // num_points 1 (TensorBoard's read_last_scalars) over every series: each one's last point.
        var last = await fixture.Client.ReadScalarsAsync(new ReadScalarsRequest { ExperimentId = "tb-filters", PluginFilter = Plugin("scalars"), Downsample = new Downsample { NumPoints = 1 } });
        Assert.Equal(
            [("a", "x", 2L, 1002.0, 3f), ("a", "y", 2L, 1002.0, 3f), ("b", "x", 2L, 1002.0, 3f), ("b", "y", 2L, 1002.0, 3f)],
            last.Runs.SelectMany(r => r.Tags.Select(t => (r.RunName, t.TagName, t.Data.Step.Single(), t.Data.WallTime.Single(), t.Data.Value.Single()))));
    }

    [Fact]
    public async Task ReadScalars_AfterRestart_SupersededPointsNeverAppear()
    {
        var run = await OpenAsync("tb-restart", "resumed");
        await WriteAsync(run, Scalars(run, ["loss"], 0, [.. Enumerable.Range(0, 10).Select(i => (double)i)]));
        var restarted = Scalars(run, ["loss"], 5, [50, 60, 70]);
        await WriteAsync(run, new WriteBatch { RunId = run, WriterId = "w", Seq = restarted.Seq, RestartAtStep = 5, Scalars = restarted.Scalars, Metadata = restarted.Metadata });

        var data = await ReadScalarsAsync("tb-restart", "resumed", "loss", 1000);
        Assert.Equal([0L, 1, 2, 3, 4, 5, 6, 7], data.Step);
        Assert.Equal([0f, 1, 2, 3, 4, 50, 60, 70], data.Value);
        var listed = await fixture.Client.ListScalarsAsync(new ListScalarsRequest { ExperimentId = "tb-restart", PluginFilter = Plugin("scalars") });
        Assert.Equal(7, listed.Runs.Single().Tags.Single().Metadata.MaxStep);
    }

    [Fact]
    public async Task BadInput_GetsTensorBoardsStatuses()
    {
        var run = await OpenAsync("tb-edges", "statuses");
        await WriteAsync(run, Scalars(run, ["v"], 0, [1]));
        var client = fixture.Client;

        await AssertStatusAsync(StatusCode.InvalidArgument, () => client.ListScalarsAsync(new ListScalarsRequest { ExperimentId = "tb-edges" }).ResponseAsync);
        await AssertStatusAsync(StatusCode.InvalidArgument, () => client.ListTensorsAsync(new ListTensorsRequest { ExperimentId = "tb-edges", PluginFilter = new PluginFilter() }).ResponseAsync);
        await AssertStatusAsync(StatusCode.InvalidArgument, () => client.ReadScalarsAsync(new ReadScalarsRequest { ExperimentId = "tb-edges", PluginFilter = Plugin("scalars") }).ResponseAsync);
        await AssertStatusAsync(StatusCode.InvalidArgument, () => client.ReadTensorsAsync(new ReadTensorsRequest { ExperimentId = "tb-edges", PluginFilter = Plugin("text"), Downsample = new Downsample { NumPoints = -1 } }).ResponseAsync);
        await AssertStatusAsync(StatusCode.InvalidArgument, () => client.ReadBlobSequencesAsync(new ReadBlobSequencesRequest { ExperimentId = "tb-edges", PluginFilter = new PluginFilter(), Downsample = new Downsample { NumPoints = 1 } }).ResponseAsync);
        await AssertStatusAsync(StatusCode.InvalidArgument, () => TensorBoardJson.ReadBlobAsync(client, ""));

        await AssertStatusAsync(StatusCode.NotFound, () => client.GetExperimentAsync(new GetExperimentRequest { ExperimentId = "no-such-project" }).ResponseAsync);
        await AssertStatusAsync(StatusCode.NotFound, () => client.ListRunsAsync(new ListRunsRequest { ExperimentId = "no-such-project" }).ResponseAsync);
        await AssertStatusAsync(StatusCode.NotFound, () => client.ReadScalarsAsync(new ReadScalarsRequest { ExperimentId = "tb-basic/train", PluginFilter = Plugin("scalars"), Downsample = new Downsample { NumPoints = 1 } }).ResponseAsync);
        await AssertStatusAsync(StatusCode.NotFound, () => TensorBoardJson.ReadBlobAsync(client, "not-a-key"));
        await AssertStatusAsync(StatusCode.NotFound, () => TensorBoardJson.ReadBlobAsync(client, "1." + new string('0', 64)));

        var experiment = await client.GetExperimentAsync(new GetExperimentRequest { ExperimentId = "tb-edges" });
        Assert.Equal("tb-edges", experiment.Name);
    }

    [Fact]
    public async Task ProjectNotServed_IsInvisible()
    {
        var hidden = await OpenAsync(TensorBoardProviderFixture.Hidden, "secret");
        await WriteAsync(hidden, new WriteBatch
        {
            RunId = hidden,
            WriterId = "w",
            Seq = NextSeq(hidden),
            Metadata = [new SeriesDefinition("loss", SeriesDataClass.Scalar, "scalars", []), new SeriesDefinition("img", SeriesDataClass.BlobSequence, "images", [])],
            Scalars = [new ScalarPoints("loss", [0], [1], [1])],
            Blobs = [new BlobPointData("img", 0, 1, [BlobValue.Inline("hidden blob"u8.ToArray())])],
        });
        var served = await OpenAsync("tb-edges", "visible");
        await WriteAsync(served, Scalars(served, ["loss"], 0, [1]));
        var client = fixture.Client;

        var runs = (await client.ListRunsAsync(new ListRunsRequest())).Runs.Select(r => r.Name).ToList();
        Assert.Contains("tb-edges/visible", runs);
        Assert.DoesNotContain(runs, r => r.StartsWith(TensorBoardProviderFixture.Hidden, StringComparison.Ordinal));
        Assert.DoesNotContain(runs, r => r.Contains("secret", StringComparison.Ordinal));
        var all = await client.ReadScalarsAsync(new ReadScalarsRequest { PluginFilter = Plugin("scalars"), Downsample = new Downsample { NumPoints = 10 } });
        Assert.DoesNotContain(all.Runs, r => r.RunName.StartsWith(TensorBoardProviderFixture.Hidden, StringComparison.Ordinal));
        Assert.DoesNotContain(TensorBoardProviderFixture.Hidden, (await client.GetExperimentAsync(new GetExperimentRequest())).DataLocation, StringComparison.Ordinal);

        await AssertStatusAsync(StatusCode.NotFound, () => client.ListRunsAsync(new ListRunsRequest { ExperimentId = TensorBoardProviderFixture.Hidden }).ResponseAsync);
        await AssertStatusAsync(StatusCode.NotFound, () => client.ListPluginsAsync(new ListPluginsRequest { ExperimentId = TensorBoardProviderFixture.Hidden }).ResponseAsync);
        var hiddenProject = await fixture.Seed.ProjectAsync(TensorBoardProviderFixture.Hidden);
        var servedProject = await fixture.Seed.ProjectAsync("tb-edges");
        var sha = System.Security.Cryptography.SHA256.HashData("hidden blob"u8);
        await AssertStatusAsync(StatusCode.NotFound, () => TensorBoardJson.ReadBlobAsync(client, BlobKeys.Format(hiddenProject, sha)));
        await AssertStatusAsync(StatusCode.NotFound, () => TensorBoardJson.ReadBlobAsync(client, BlobKeys.Format(servedProject, sha)));
    }

    [Fact]
    public async Task ReadScalars_PointCommittedWhileReading_AppearsOnTheNextRead()
    {
        var run = await OpenAsync("tb-live", "training");
        await WriteAsync(run, Scalars(run, ["loss"], 0, [3, 2]));
        Assert.Equal([0L, 1], (await ReadScalarsAsync("tb-live", "training", "loss", 1000)).Step);
        var listed = await fixture.Client.ListRunsAsync(new ListRunsRequest { ExperimentId = "tb-live" });
        Assert.Equal(["training"], listed.Runs.Select(r => r.Name));
        var before = (await fixture.Client.ListScalarsAsync(new ListScalarsRequest { ExperimentId = "tb-live", PluginFilter = Plugin("scalars") })).Runs.Single().Tags.Single().Metadata;
        Assert.Equal((1L, 1001.0), (before.MaxStep, before.MaxWallTime));

        await WriteAsync(run, Scalars(run, ["loss"], 2, [1]));
        var next = await ReadScalarsAsync("tb-live", "training", "loss", 1000);
        Assert.Equal([0L, 1, 2], next.Step);
        Assert.Equal(1f, next.Value[^1]);
        var after = (await fixture.Client.ListScalarsAsync(new ListScalarsRequest { ExperimentId = "tb-live", PluginFilter = Plugin("scalars") })).Runs.Single().Tags.Single().Metadata;
        Assert.Equal((2L, 1002.0), (after.MaxStep, after.MaxWallTime));
    }

    [Fact]
    public async Task Ports_ProviderOnlyOnItsPortAndNothingElseThere()
    {
        using var http = new HttpClient();
        using var onTensorBoardPort = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{fixture.TensorBoardPort}/health/live"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var refused = await http.SendAsync(onTensorBoardPort);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        using var health = await http.GetAsync(new Uri($"http://127.0.0.1:{fixture.HttpPort}/health/live"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        using var channel = GrpcChannel.ForAddress(new Uri($"http://127.0.0.1:{fixture.HttpPort}"));
        var onHttpPort = new TensorBoardDataProvider.TensorBoardDataProviderClient(channel);
        await Assert.ThrowsAsync<RpcException>(() => onHttpPort.ListRunsAsync(new ListRunsRequest()).ResponseAsync);
    }

    private static PluginFilter Plugin(string name) => new() { PluginName = name };

    private static TensorShapeProto Shape(params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dim { Size = d }));
        return shape;
    }

    private static async Task AssertStatusAsync(StatusCode status, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(status, error.StatusCode);
    }

    private async Task<ScalarData> ReadScalarsAsync(string experiment, string run, string tag, long numPoints)
    {
        var response = await fixture.Client.ReadScalarsAsync(new ReadScalarsRequest
        {
            ExperimentId = experiment,
            PluginFilter = Plugin("scalars"),
            RunTagFilter = TensorBoardJson.Filter([run], [tag]),
            Downsample = new Downsample { NumPoints = numPoints },
        });
        return response.Runs.Single().Tags.Single().Data;
    }

    private async Task<long> OpenAsync(string project, string run)
    {
        var runs = new RunStore(fixture.DataSource);
        var projectId = await runs.EnsureProjectAsync(project, CancellationToken.None);
        return (await runs.OpenRunAsync(projectId, run, "w", cancellationToken: CancellationToken.None)).RunId;
    }

    private long NextSeq(long run) => _seqs[run] = _seqs.GetValueOrDefault(run) + 1;

    private WriteBatch Scalars(long run, string[] tags, long firstStep, double[] values) => new()
    {
        RunId = run,
        WriterId = "w",
        Seq = NextSeq(run),
        Metadata = [.. tags.Select(t => new SeriesDefinition(t, SeriesDataClass.Scalar, "scalars", []))],
        Scalars = [.. tags.Select(t => new ScalarPoints(t, [.. values.Select((_, i) => firstStep + i)], [.. values.Select((_, i) => 1000.0 + firstStep + i)], values))],
    };

    private async Task WriteScalarsAsync(string project, string run, string tag, long firstStep, double[] values)
    {
        var id = await OpenAsync(project, run);
        await WriteAsync(id, Scalars(id, [tag], firstStep, values));
    }

    private async Task WriteAsync(long run, WriteBatch batch)
    {
        Assert.Equal(run, batch.RunId);
        await new PointWriter(fixture.DataSource).WriteAsync(batch, CancellationToken.None);
    }
}
