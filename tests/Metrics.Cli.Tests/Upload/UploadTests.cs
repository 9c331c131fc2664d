using System.Security.Cryptography;
using System.Text.Json;
using Metrics.Contracts.TensorBoard;
using Metrics.TensorBoard;
using Metrics.Testing;

namespace Metrics.Cli.Tests.Upload;

public sealed class UploadTests(IngestFixture ingest) : IClassFixture<IngestFixture>
{
    [Theory]
    [InlineData("basic")]
    [InlineData("v1")]
    public async Task Upload_FixtureLogdir_StoresWhatTensorBoardReads(string fixture)
    {
        var state = TempFile();

        var (exitCode, output, error) = await UploadAsync(RepoPaths.Fixture(fixture), state);

        Assert.True(exitCode == 0, output + error);
        await AssertStoredMatchesAsync(RepoPaths.FixtureExpectedJson(fixture));

        var before = await SnapshotAsync();
        Assert.Equal(0, (await UploadAsync(RepoPaths.Fixture(fixture), state)).ExitCode);
        Assert.Equal(before, await SnapshotAsync());

        File.Delete(state);
        Assert.Equal(0, (await UploadAsync(RepoPaths.Fixture(fixture), state)).ExitCode);
        Assert.Equal(before.Points, (await SnapshotAsync()).Points);
        await AssertStoredMatchesAsync(RepoPaths.FixtureExpectedJson(fixture));
    }

    [Fact]
    public async Task Upload_KilledMidwayThenRerun_CompleteWithoutDuplicates()
    {
        var logdir = TempFile();
        const int Steps = 60_000;
        foreach (var run in new[] { "kill/a", "kill/b/deep" })
        {
            using var writer = EventFileWriter.Create(Path.Combine(logdir, run), new EventFileWriterOptions { MaxQueue = 10_000 });
            for (var step = 0; step < Steps; step++)
            {
                writer.WriteScalar("loss", step, (float)Math.Cos(step * 0.01), 1_700_000_000 + step);
                writer.WriteScalar("acc", step, step / (float)Steps, 1_700_000_000 + step);
            }
        }

        var state = TempFile();
        using (var first = ProcessRunner.StartDotnet(ServiceBinaries.Cli, ["upload", "--server", ingest.Server.Url.ToString(), "--token", ingest.Token, "--project", IngestFixture.Project, "--logdir", logdir, "--state-file", state]))
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await Eventually.TrueAsync(() => File.Exists(state) || first.HasExited, TimeSpan.FromMinutes(2), () => "the first upload to write its state file");

            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync(patience.Token);
        }

        var (exitCode, output, error) = await UploadAsync(logdir, state);

        Assert.True(exitCode == 0, output + error);
        foreach (var run in new[] { "kill/a", "kill/b/deep" })
        {
            var loss = await ingest.Stored.ScalarsAsync(run, "loss");
            Assert.Equal(Enumerable.Range(0, Steps).Select(i => (long)i), loss.Select(p => p.Step));
            Assert.All(loss, p => Assert.Equal((double)(float)Math.Cos(p.Step * 0.01), p.Value));
            Assert.Equal(Steps, (await ingest.Stored.ScalarsAsync(run, "acc")).Count);
        }
    }

    private async Task<(int ExitCode, string Output, string Error)> UploadAsync(string logdir, string state)
    {
        var result = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["upload", "--server", ingest.Server.Url.ToString(), "--token", ingest.Token, "--project", IngestFixture.Project, "--logdir", logdir, "--state-file", state]);
        return (result.ExitCode, result.StandardOutput, result.StandardError);
    }

    private static string TempFile() => Path.Combine(Path.GetTempPath(), "metrics-upload-test-" + Guid.NewGuid().ToString("N"));

    private async Task<(long Points, string Writers)> SnapshotAsync()
    {
        await using var command = ingest.DataSource.CreateCommand("SELECT coalesce(string_agg(writer_id || ':' || last_seq || ':' || points, ',' ORDER BY writer_id, run_id), '') FROM writers");
        return (await ingest.Stored.PointCountAsync(), (string)(await command.ExecuteScalarAsync())!);
    }

    private async Task AssertStoredMatchesAsync(string expectedJson)
    {
        using var expected = JsonDocument.Parse(await File.ReadAllTextAsync(expectedJson));
        var root = expected.RootElement;
        var stored = ingest.Stored;
        foreach (var plugin in root.GetProperty("scalars").EnumerateObject())
        {
            foreach (var run in plugin.Value.EnumerateObject())
            {
                foreach (var tag in run.Value.EnumerateObject())
                {
                    var want = tag.Value.EnumerateArray().Select(p => (p[0].GetInt64(), p[1].GetDouble(), Number(p[2]))).OrderBy(p => p.Item1).ToList();
                    var got = await stored.ScalarsAsync(run.Name, tag.Name);
                    Assert.Equal(want, got.Select(p => (p.Step, p.WallTime, p.Value)).ToList());
                    Assert.Equal(plugin.Name, (await stored.SeriesAsync(run.Name))[tag.Name].PluginName);
                }
            }
        }

        foreach (var plugin in root.GetProperty("tensors").EnumerateObject())
        {
            foreach (var run in plugin.Value.EnumerateObject())
            {
                foreach (var tag in run.Value.EnumerateObject())
                {
                    var want = tag.Value.EnumerateArray().OrderBy(p => p[0].GetInt64()).ToList();
                    var got = await stored.TensorsAsync(run.Name, tag.Name);
                    Assert.Equal(want.Count, got.Count);
                    for (var i = 0; i < want.Count; i++)
                    {
                        Assert.Equal(want[i][0].GetInt64(), got[i].Step);
                        Assert.Equal(want[i][1].GetDouble(), got[i].WallTime);
                        var leaves = Leaves(want[i][2]).ToList();
                        if (TensorValues.IsString(got[i].Tensor))
                        {
                            Assert.Equal(leaves.Select(l => l.GetString()), TensorValues.ToStrings(got[i].Tensor).Select(s => s.ToStringUtf8()));
                        }
                        else
                        {
                            Assert.Equal(leaves.Select(Number), TensorValues.ToDoubles(got[i].Tensor));
                        }
                    }
                }
            }
        }

        foreach (var plugin in root.GetProperty("blobs").EnumerateObject())
        {
            foreach (var run in plugin.Value.EnumerateObject())
            {
                foreach (var tag in run.Value.EnumerateObject())
                {
                    var want = tag.Value.EnumerateArray().Select(p => (p[0].GetInt64(), p[1].GetDouble(), string.Join(",", p[2].EnumerateArray().Select(h => h.GetString())))).ToList();
                    var got = await stored.BlobsAsync(run.Name, tag.Name);
                    Assert.Equal(want, got.Select(p => (p.Step, p.WallTime, string.Join(",", p.Blobs.Select(b => Convert.ToHexString(SHA256.HashData(b))[..16].ToLowerInvariant())))).ToList());
                }
            }
        }

        foreach (var graph in root.GetProperty("graphs").EnumerateObject())
        {
            var point = (await stored.BlobsAsync(graph.Name, PluginNames.RunGraphTag))[^1];
            Assert.Equal(graph.Value.GetInt32(), GraphDef.Parser.ParseFrom(point.Blobs[0]).Node.Count);
        }
    }

    private static IEnumerable<JsonElement> Leaves(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? element.EnumerateArray().SelectMany(Leaves) : [element];

    private static double Number(JsonElement element) => element.ValueKind == JsonValueKind.String
        ? element.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var s => throw new FormatException(s),
        }
        : element.GetDouble();
}
