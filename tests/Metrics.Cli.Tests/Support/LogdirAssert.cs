using System.Text.Json;
using System.Text.Json.Nodes;
using Metrics.TensorBoard;

namespace Metrics.Cli.Tests.Support;

/// <summary>Compares what TensorBoard reads from a logdir (our reader, which mirrors it) with a fixture's expected JSON.</summary>
internal static class LogdirAssert
{
    /// <summary>
    /// <paramref name="logdir"/> reads exactly as the fixture's <c>.expected.json</c> says, except that
    /// it has no points TensorBoard's Rust loader would drop (a restart in the original files leaves
    /// some; an exported logdir holds only the surviving points, in rising steps).
    /// </summary>
    public static void ReadsAsExpected(string logdir, string expectedJson)
    {
        var snapshot = LogdirSnapshot.Read(logdir);
        Assert.Empty(snapshot.Problems);
        var actual = JsonNode.Parse(LogdirJson.ToJson(snapshot))!.AsObject();
        var expected = JsonNode.Parse(File.ReadAllText(expectedJson))!.AsObject();
        Assert.Empty(actual["rust_loader_drops"]!.AsObject());
        actual.Remove("rust_loader_drops");
        expected.Remove("rust_loader_drops");
        if (!JsonNode.DeepEquals(expected, actual))
        {
            Assert.Fail("the logdir does not read as " + Path.GetFileName(expectedJson) + ": " + FirstDifference(expected, actual));
        }
    }

    private static string FirstDifference(JsonNode expected, JsonNode actual)
    {
        var options = new JsonSerializerOptions { WriteIndented = true };
        var e = expected.ToJsonString(options).Split('\n');
        var a = actual.ToJsonString(options).Split('\n');
        var i = Enumerable.Range(0, Math.Min(e.Length, a.Length)).FirstOrDefault(i => e[i] != a[i], Math.Min(e.Length, a.Length));
        var context = Math.Max(0, i - 3);
        return "line " + i + "\nexpected:\n" + string.Join('\n', e.Skip(context).Take(6)) + "\nactual:\n" + string.Join('\n', a.Skip(context).Take(6));
    }
}
