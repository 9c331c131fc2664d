using System.Text.Json.Nodes;
using Metrics.Contracts.TensorBoard;
using Metrics.Contracts.TensorBoard.HParams;
using Metrics.Export;
using Metrics.TensorBoard;
using Npgsql;

namespace Metrics.Export.Tests.Support;

/// <summary>Checks an exported logdir against the database, point for point, as TensorBoard reads it.</summary>
internal static class ExportAssert
{
    /// <summary>
    /// Reading <c>&lt;root&gt;/&lt;project&gt;</c> gives exactly the database's runs, tags and points
    /// (scalars as float32, tensors and blobs byte for byte), no read problems, no points the Rust
    /// loader would drop, and every tag's steps rising strictly in file order.
    /// </summary>
    public static async Task LogdirEqualsDatabaseAsync(NpgsqlDataSource dataSource, string root, string project)
    {
        var expected = await DatabaseViewAsync(dataSource, project);
        var projectDir = Path.Combine(root, project);
        var snapshot = Directory.Exists(projectDir) ? LogdirSnapshot.Read(projectDir) : null;
        Assert.Empty(snapshot?.Problems ?? []);
        var actual = new SortedDictionary<string, SortedDictionary<string, List<string>>>(StringComparer.Ordinal);
        foreach (var run in snapshot?.Runs ?? [])
        {
            Assert.Empty(run.RustLoaderDrops);
            var tags = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var (tag, points) in run.Points)
            {
                for (var i = 1; i < points.Count; i++)
                {
                    Assert.True(points[i].Step > points[i - 1].Step, $"{run.RunName}/{tag}: step {points[i].Step} after {points[i - 1].Step}");
                }

                if (points.Count > 0)
                {
                    tags[tag] = [.. points.Select(Describe)];
                }
            }

            if (tags.Count > 0)
            {
                actual[run.RunName] = tags;
            }
        }

        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (run, tags) in expected)
        {
            Assert.Equal(tags.Keys, actual[run].Keys);
            foreach (var (tag, points) in tags)
            {
                var got = actual[run][tag];
                var firstDifference = Enumerable.Range(0, Math.Min(points.Count, got.Count)).FirstOrDefault(i => points[i] != got[i], -1);
                Assert.True(
                    points.Count == got.Count && firstDifference < 0,
                    $"{run}/{tag}: {points.Count} points in the database, {got.Count} in the logdir; first difference at {firstDifference}: "
                    + (firstDifference >= 0 ? points[firstDifference] + " != " + got[firstDifference] : ""));
            }
        }
    }

    /// <summary>
    /// What TensorBoard's HParams dashboard reads from the run: its first <c>_hparams_/session_start_info</c>
    /// (plugin hparams), at the run's first step, with the run's hyperparameters; written once.
    /// </summary>
    public static void HParamsShown(string logdir, string runName, long firstStep)
    {
        var snapshot = LogdirSnapshot.Read(logdir);
        Assert.Empty(snapshot.Problems);
        var run = snapshot.Runs.Single(r => r.RunName == runName);
        Assert.Equal(firstStep, Assert.Single(run.Points[HParamsSessionStart.Tag]).Step);
        var metadata = run.Metadata[HParamsSessionStart.Tag];
        Assert.Equal(PluginNames.HParams, metadata.PluginData.PluginName);
        var session = HParamsPluginData.Parser.ParseFrom(metadata.PluginData.Content).SessionStartInfo;
        Assert.Equal(0.01, session.Hparams["lr"].NumberValue);
        Assert.Equal("adam", session.Hparams["optimizer"].StringValue);
        Assert.True(session.Hparams["batch_norm"].BoolValue);
        Assert.Equal(3, session.Hparams["layers"].NumberValue);
        var json = JsonNode.Parse(LogdirJson.ToJson(snapshot))!;
        Assert.Contains(PluginNames.HParams, json["plugins"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Single(json["tensors"]![PluginNames.HParams]![runName]![HParamsSessionStart.Tag]!.AsArray());
    }

    /// <summary>Every point of the project: run → tag → "step wall value" strings in step order.</summary>
    public static async Task<SortedDictionary<string, SortedDictionary<string, List<string>>>> DatabaseViewAsync(NpgsqlDataSource dataSource, string project)
    {
        var source = new RunPointSource(dataSource);
        var view = new SortedDictionary<string, SortedDictionary<string, List<string>>>(StringComparer.Ordinal);
        foreach (var run in await source.GetProjectRunsAsync(project, CancellationToken.None))
        {
            var tags = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
            var series = await source.GetSeriesAsync(run.RunId, CancellationToken.None);
            var merger = await source.OpenAsync(series, new Dictionary<long, long>(), CancellationToken.None);
            while (await merger.MoveNextAsync(CancellationToken.None))
            {
                var p = merger.Current;
                if (!tags.TryGetValue(p.Series.Tag, out var list))
                {
                    tags[p.Series.Tag] = list = [];
                }

                list.Add(p.Series.DataClass switch
                {
                    1 => Line(p.Step, p.WallTime, ((double)(float)p.Scalar).ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
                    2 => Line(p.Step, p.WallTime, TensorProto.Parser.ParseFrom(p.Tensor).ToString()),
                    _ => Line(p.Step, p.WallTime, string.Join(",", (p.Blobs ?? []).Select(Convert.ToHexString))),
                });
            }

            if (tags.Count > 0)
            {
                view[run.Name] = tags;
            }
        }

        return view;
    }

    private static string Describe(TensorBoardPoint point) => point.DataClass switch
    {
        DataClass.Scalar => Line(point.Step, point.WallTime, point.Scalar.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
        DataClass.Tensor => Line(point.Step, point.WallTime, point.Tensor.ToString()),
        _ => Line(point.Step, point.WallTime, string.Join(",", point.Blobs.Select(b => Convert.ToHexString(b.Span)))),
    };

    private static string Line(long step, double wallTime, string value) =>
        step.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + wallTime.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + " " + value;
}
