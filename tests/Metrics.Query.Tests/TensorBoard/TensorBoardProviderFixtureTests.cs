using System.Text.Json;
using Metrics.Contracts.TensorBoard;
using Metrics.Contracts.TensorBoard.Data;
using Metrics.Query.Tensors;
using Metrics.Query.Tests.TestData;
using Metrics.TensorBoard;
using Metrics.Testing;

namespace Metrics.Query.Tests.TensorBoard;

/// <summary>
/// Acceptance: each fixture logdir, ingested, is read through every data-provider RPC in both
/// experiment modes exactly as its expected.json says TensorBoard reads it (num_points above every
/// series' length): runs, start times, plugins, metadata, every scalar, tensor and blob, the graph.
/// </summary>
public sealed class TensorBoardProviderFixtureTests(TensorBoardProviderFixture fixture) : IClassFixture<TensorBoardProviderFixture>
{
    private const long Everything = 1_000_000;

    [Theory]
    [InlineData("basic")]
    [InlineData("v1")]
    public async Task EveryRpc_FixtureIngested_ReturnsWhatTensorBoardReadsInBothExperimentModes(string name)
    {
        var project = "tb-" + name;
        await FixtureIngest.IngestAsync(fixture.DataSource, RepoPaths.Fixture(name), project);
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(RepoPaths.FixtureExpectedJson(name)));
        var expected = document.RootElement;
        var snapshot = LogdirSnapshot.Read(RepoPaths.Fixture(name));

        // TensorBoard's /experiment/<project>/ pages: the project's runs under their own names.
        await CheckExperimentAsync(project, "", expected, snapshot, exclusive: true);
        // TensorBoard's root page: every served project, runs as <project>/<run> (as a logdir of the exporter's root).
        await CheckExperimentAsync("", project + "/", expected, snapshot, exclusive: false);
    }

    private async Task CheckExperimentAsync(string experiment, string prefix, JsonElement expected, LogdirSnapshot snapshot, bool exclusive)
    {
        var client = fixture.Client;
        var wantRuns = expected.GetProperty("runs").EnumerateArray().Select(r => prefix + r.GetString()).Order(StringComparer.Ordinal).ToList();
        var runs = (await client.ListRunsAsync(new ListRunsRequest { ExperimentId = experiment })).Runs.Where(r => r.Name.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(wantRuns, runs.Select(r => r.Name).Order(StringComparer.Ordinal));
        foreach (var run in runs)
        {
            var local = run.Name[prefix.Length..];
            var first = new[] { "scalars", "tensors", "blobs" }
                .SelectMany(section => TensorBoardJson.Series(expected, section))
                .Where(s => s.Run == local)
                .Min(s => s.Points[0][1].GetDouble());
            Assert.Equal(first, run.StartTime);
        }

        var plugins = (await client.ListPluginsAsync(new ListPluginsRequest { ExperimentId = experiment })).Plugins.Select(p => p.Name).ToList();
        var wantPlugins = expected.GetProperty("plugins").EnumerateArray().Select(p => p.GetString()!).ToList();
        if (exclusive)
        {
            Assert.Equal(wantPlugins.Order(StringComparer.Ordinal), plugins.Order(StringComparer.Ordinal));
        }
        else
        {
            Assert.Empty(wantPlugins.Except(plugins));
        }

        var compared = 0;
        foreach (var plugin in wantPlugins)
        {
            compared += await CheckScalarsAsync(experiment, prefix, plugin, expected, snapshot);
            compared += await CheckTensorsAsync(experiment, prefix, plugin, expected, snapshot);
            compared += await CheckBlobsAsync(experiment, prefix, plugin, expected, snapshot);
        }

        Assert.True(compared > 0);
        await CheckGraphsAsync(experiment, prefix, expected);
    }

    private async Task<int> CheckScalarsAsync(string experiment, string prefix, string plugin, JsonElement expected, LogdirSnapshot snapshot)
    {
        var want = TensorBoardJson.Series(expected, "scalars").Where(s => s.Plugin == plugin).ToList();
        var listed = await fixture.Client.ListScalarsAsync(new ListScalarsRequest { ExperimentId = experiment, PluginFilter = new PluginFilter { PluginName = plugin } });
        var listedTags = listed.Runs.Where(r => r.RunName.StartsWith(prefix, StringComparison.Ordinal)).SelectMany(r => r.Tags.Select(t => (Run: r.RunName[prefix.Length..], Tag: t.TagName, t.Metadata))).ToList();
        Assert.Equal(want.Select(s => (s.Run, s.Tag)).Order(), listedTags.Select(t => (t.Run, t.Tag)).Order());
        foreach (var (run, tag, metadata) in listedTags)
        {
            var points = want.Single(s => s.Run == run && s.Tag == tag).Points;
            Assert.Equal(points[^1][0].GetInt64(), metadata.MaxStep);
            Assert.Equal(points.Max(p => p[1].GetDouble()), metadata.MaxWallTime);
            AssertMetadata(snapshot, run, tag, DataClass.Scalar, metadata.SummaryMetadata);
        }

        var read = await fixture.Client.ReadScalarsAsync(new ReadScalarsRequest
        {
            ExperimentId = experiment,
            PluginFilter = new PluginFilter { PluginName = plugin },
            Downsample = new Downsample { NumPoints = Everything },
        });
        var count = 0;
        foreach (var (_, run, tag, points) in want)
        {
            var data = read.Runs.Single(r => r.RunName == prefix + run).Tags.Single(t => t.TagName == tag).Data;
            var got = data.Step.Select((step, i) => (step, data.WallTime[i], (double)data.Value[i])).ToList();
            Assert.Equal(points.Select(p => (p[0].GetInt64(), Json.Number(p[1]), Json.Number(p[2]))), got);
            count += got.Count;
        }

        return count;
    }

    private async Task<int> CheckTensorsAsync(string experiment, string prefix, string plugin, JsonElement expected, LogdirSnapshot snapshot)
    {
        var want = TensorBoardJson.Series(expected, "tensors").Where(s => s.Plugin == plugin).ToList();
        var listed = await fixture.Client.ListTensorsAsync(new ListTensorsRequest { ExperimentId = experiment, PluginFilter = new PluginFilter { PluginName = plugin } });
        var listedTags = listed.Runs.Where(r => r.RunName.StartsWith(prefix, StringComparison.Ordinal)).SelectMany(r => r.Tags.Select(t => (Run: r.RunName[prefix.Length..], Tag: t.TagName, t.Metadata))).ToList();
        Assert.Equal(want.Select(s => (s.Run, s.Tag)).Order(), listedTags.Select(t => (t.Run, t.Tag)).Order());
        foreach (var (run, tag, metadata) in listedTags)
        {
            var points = want.Single(s => s.Run == run && s.Tag == tag).Points;
            Assert.Equal(points[^1][0].GetInt64(), metadata.MaxStep);
            Assert.Equal(points.Max(p => p[1].GetDouble()), metadata.MaxWallTime);
            AssertMetadata(snapshot, run, tag, DataClass.Tensor, metadata.SummaryMetadata);
        }

        var read = await fixture.Client.ReadTensorsAsync(new ReadTensorsRequest
        {
            ExperimentId = experiment,
            PluginFilter = new PluginFilter { PluginName = plugin },
            Downsample = new Downsample { NumPoints = Everything },
        });
        var count = 0;
        foreach (var (_, run, tag, points) in want)
        {
            var data = read.Runs.Single(r => r.RunName == prefix + run).Tags.Single(t => t.TagName == tag).Data;
            Assert.Equal(points.Select(p => p[0].GetInt64()), data.Step);
            Assert.Equal(points.Select(p => Json.Number(p[1])), data.WallTime);
            for (var i = 0; i < points.Count; i++)
            {
                // TensorJson gives a rank-0 tensor's bare value (docs/query.md); the fixtures list it as a one-element list.
                var json = TensorJson.ToJson(data.Value[i])?.ToJsonString() ?? "null";
                using var value = JsonDocument.Parse((data.Value[i].TensorShape?.Dim.Count ?? 0) == 0 ? "[" + json + "]" : json);
                Assert.Equal(TensorBoardJson.Canonical(points[i][2]), TensorBoardJson.Canonical(value.RootElement));
            }

            count += points.Count;
        }

        return count;
    }

    private async Task<int> CheckBlobsAsync(string experiment, string prefix, string plugin, JsonElement expected, LogdirSnapshot snapshot)
    {
        var want = TensorBoardJson.Series(expected, "blobs").Where(s => s.Plugin == plugin).ToList();
        var listed = await fixture.Client.ListBlobSequencesAsync(new ListBlobSequencesRequest { ExperimentId = experiment, PluginFilter = new PluginFilter { PluginName = plugin } });
        var listedTags = listed.Runs.Where(r => r.RunName.StartsWith(prefix, StringComparison.Ordinal)).SelectMany(r => r.Tags.Select(t => (Run: r.RunName[prefix.Length..], Tag: t.TagName, t.Metadata))).ToList();
        Assert.Equal(want.Select(s => (s.Run, s.Tag)).Order(), listedTags.Select(t => (t.Run, t.Tag)).Order());
        foreach (var (run, tag, metadata) in listedTags)
        {
            var points = want.Single(s => s.Run == run && s.Tag == tag).Points;
            Assert.Equal(points[^1][0].GetInt64(), metadata.MaxStep);
            Assert.Equal(points.Max(p => p[1].GetDouble()), metadata.MaxWallTime);
            Assert.Equal(points.Max(p => p[2].GetArrayLength()), metadata.MaxLength);
            AssertMetadata(snapshot, run, tag, DataClass.BlobSequence, metadata.SummaryMetadata);
        }

        var read = await fixture.Client.ReadBlobSequencesAsync(new ReadBlobSequencesRequest
        {
            ExperimentId = experiment,
            PluginFilter = new PluginFilter { PluginName = plugin },
            Downsample = new Downsample { NumPoints = Everything },
        });
        var count = 0;
        var blobs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (_, run, tag, points) in want)
        {
            var data = read.Runs.Single(r => r.RunName == prefix + run).Tags.Single(t => t.TagName == tag).Data;
            Assert.Equal(points.Select(p => p[0].GetInt64()), data.Step);
            Assert.Equal(points.Select(p => Json.Number(p[1])), data.WallTime);
            for (var i = 0; i < points.Count; i++)
            {
                var wantHashes = points[i][2].EnumerateArray().Select(h => h.GetString()!).ToList();
                var keys = data.Values[i].BlobRefs.Select(b => b.BlobKey).ToList();
                Assert.Equal(wantHashes.Count, keys.Count);
                for (var k = 0; k < keys.Count; k++)
                {
                    blobs[keys[k]] = wantHashes[k];
                }
            }

            count += points.Count;
        }

        // The bytes behind every key hash to what TensorBoard reads.
        foreach (var (key, hash) in blobs)
        {
            Assert.Equal(hash, TensorBoardJson.Hash(await TensorBoardJson.ReadBlobAsync(fixture.Client, key)));
        }

        return count;
    }

    private async Task CheckGraphsAsync(string experiment, string prefix, JsonElement expected)
    {
        var read = await fixture.Client.ReadBlobSequencesAsync(new ReadBlobSequencesRequest
        {
            ExperimentId = experiment,
            PluginFilter = new PluginFilter { PluginName = PluginNames.Graphs },
            RunTagFilter = TensorBoardJson.Filter(tags: [PluginNames.RunGraphTag]),
            Downsample = new Downsample { NumPoints = 1 },
        });
        var graphs = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var run in read.Runs.Where(r => r.RunName.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var key = run.Tags.Single().Data.Values.Single().BlobRefs.Single().BlobKey;
            graphs[run.RunName[prefix.Length..]] = GraphDef.Parser.ParseFrom(await TensorBoardJson.ReadBlobAsync(fixture.Client, key)).Node.Count;
        }

        Assert.Equal(expected.GetProperty("graphs").EnumerateObject().Select(g => (g.Name, g.Value.GetInt32())).Order(), graphs.Select(g => (g.Key, g.Value)).Order());
    }

    private static void AssertMetadata(LogdirSnapshot snapshot, string run, string tag, DataClass dataClass, SummaryMetadata got)
    {
        var want = snapshot.Runs.Single(r => r.RunName == run).Metadata[tag];
        Assert.Equal(want.PluginData?.PluginName ?? "", got.PluginData.PluginName);
        Assert.Equal(want.PluginData?.Content ?? Google.Protobuf.ByteString.Empty, got.PluginData.Content);
        Assert.Equal(want.DisplayName, got.DisplayName);
        Assert.Equal(want.SummaryDescription, got.SummaryDescription);
        Assert.Equal(dataClass, got.DataClass);
    }
}
