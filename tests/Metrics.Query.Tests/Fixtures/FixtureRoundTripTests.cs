using System.Text.Json;
using Metrics.Query.Tests.TestData;
using Metrics.Testing;

namespace Metrics.Query.Tests.Fixtures;

/// <summary>
/// Acceptance: each TensorBoard fixture logdir, read with Metrics.TensorBoard and written with
/// PointWriter (the ingest write path), is served back by the API exactly as TensorBoard reads it.
/// </summary>
public sealed class FixtureRoundTripTests(QueryApiFixture fixture) : IClassFixture<QueryApiFixture>
{
    [Theory]
    [InlineData("basic")]
    [InlineData("v1")]
    public async Task Fixture_IngestedThroughPointWriter_IsServedBackAsTensorBoardReadsIt(string name)
    {
        var project = "fixture-" + name;
        var runIds = await FixtureIngest.IngestAsync(fixture.DataSource, RepoPaths.Fixture(name), project);
        var client = await fixture.ClientAsync(project);
        using var expected = JsonDocument.Parse(await File.ReadAllTextAsync(RepoPaths.FixtureExpectedJson(name)));
        var root = expected.RootElement;

        var listed = await Json.GetAsync(client, $"/api/v1/projects/{project}/runs");
        Assert.Equal(root.GetProperty("runs").EnumerateArray().Select(r => r.GetString()), listed.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("name").GetString()));

        var compared = 0;
        foreach (var (run, tag, points) in Series(root, "scalars"))
        {
            var got = Json.Points(await Json.GetAsync(client, $"/api/v1/runs/{runIds[run]}/scalars?mode=all&tag={Uri.EscapeDataString(tag)}"));
            var want = points.Select(p => (p[0].GetInt64(), Json.Number(p[1]), Json.Number(p[2]))).ToList();
            Assert.Equal(want, got);

            // Downsampled reads of series that fit return them whole, too.
            Assert.Equal(want, Json.Points(await Json.GetAsync(client, $"/api/v1/runs/{runIds[run]}/scalars?tag={Uri.EscapeDataString(tag)}")));
            compared += want.Count;
        }

        foreach (var (run, tag, points) in Series(root, "tensors"))
        {
            var got = await Json.GetAsync(client, $"/api/v1/runs/{runIds[run]}/tensors?max_points=10000&tag={Uri.EscapeDataString(tag)}");
            Assert.Equal(points.Select(p => p[0].GetInt64()), got.GetProperty("steps").EnumerateArray().Select(e => e.GetInt64()));
            Assert.Equal(points.Select(p => Json.Number(p[1])), got.GetProperty("wall_times").EnumerateArray().Select(Json.Number));
            var values = got.GetProperty("values").EnumerateArray().ToList();
            var shapes = got.GetProperty("shapes").EnumerateArray().ToList();
            for (var i = 0; i < points.Count; i++)
            {
                // The fixtures list a rank-0 tensor's value as a one-element list; the API gives the bare value (docs/query.md).
                var served = shapes[i].GetArrayLength() == 0 ? "[" + Canonical(values[i]) + "]" : Canonical(values[i]);
                Assert.Equal(Canonical(points[i][2]), served);
            }

            compared += points.Count;
        }

        foreach (var (run, tag, points) in Series(root, "blobs"))
        {
            var got = await Json.GetAsync(client, $"/api/v1/runs/{runIds[run]}/blobs?max_points=10000&tag={Uri.EscapeDataString(tag)}");
            Assert.Equal(points.Select(p => p[0].GetInt64()), got.GetProperty("steps").EnumerateArray().Select(e => e.GetInt64()));
            var keys = got.GetProperty("plugin_name").GetString() switch
            {
                // An image's width and height are numbers beside it; the fixture lists their blobs' hashes first.
                "images" => got.GetProperty("images").EnumerateArray().Select(step => step.EnumerateArray().ToList() is { Count: > 0 } images
                    ? (List<string>)[Short(images[0].GetProperty("width").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture)), Short(images[0].GetProperty("height").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture)), .. images.Select(i => i.GetProperty("key").GetString()![..16])]
                    : []).ToList(),
                "audio" => got.GetProperty("audio").EnumerateArray().Select(step => step.EnumerateArray()
                    .SelectMany(clip => clip.GetProperty("label").GetString() is { } label ? (string[])[clip.GetProperty("key").GetString()![..16], Short(label)] : [clip.GetProperty("key").GetString()![..16]]).ToList()).ToList(),
                _ => got.GetProperty("blobs").EnumerateArray().Select(step => step.EnumerateArray().Select(b => b.GetProperty("key").GetString()![..16]).ToList()).ToList(),
            };
            Assert.Equal(points.Select(p => p[2].EnumerateArray().Select(k => k.GetString()!).ToList()), keys);
            compared += points.Count;
        }

        Assert.True(compared > 0);
    }

    private static IEnumerable<(string Run, string Tag, List<JsonElement[]> Points)> Series(JsonElement root, string section) =>
        root.GetProperty(section).EnumerateObject()
            .SelectMany(plugin => plugin.Value.EnumerateObject()
                .SelectMany(run => run.Value.EnumerateObject()
                    .Select(tag => (run.Name, tag.Name, tag.Value.EnumerateArray().Select(p => p.EnumerateArray().ToArray()).ToList()))));

    private static string Short(string text) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];

    /// <summary>JSON with every number as its float64 value, so 2 and 2.0 compare equal.</summary>
    private static string Canonical(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => "[" + string.Join(",", element.EnumerateArray().Select(Canonical)) + "]",
        JsonValueKind.Number => element.GetDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        JsonValueKind.String => "'" + element.GetString() + "'",
        _ => element.GetRawText(),
    };
}
