using Metrics.Contracts.TensorBoard;
using Metrics.Testing;

namespace Metrics.TensorBoard.Tests;

public sealed class LogdirJsonTests
{
    [Theory]
    [InlineData("basic")]
    [InlineData("v1")]
    public void Write_Fixture_EqualsExpectedJson(string fixture)
    {
        var snapshot = LogdirSnapshot.Read(RepoPaths.Fixture(fixture));

        Assert.Empty(snapshot.Problems);
        JsonTree.AssertEqual(File.ReadAllText(RepoPaths.FixtureExpectedJson(fixture)), LogdirJson.ToJson(snapshot));
    }

    [Theory]
    [InlineData("basic")]
    [InlineData("v1")]
    public void Write_FixtureRewrittenByOurWriter_EqualsOriginal(string fixture)
    {
        using var dir = new TempDirectory();
        foreach (var run in EventFiles.FindRuns(RepoPaths.Fixture(fixture)))
        {
            using var reader = new RunReader(run.Name, run.Directory);
            using var writer = EventFileWriter.Create(Path.Combine(dir.Path, run.Name));
            // TensorBoard treats the first SessionLog START as the session's start, later ones as restarts.
            writer.WriteSessionStart(0, 0);
            while (reader.TryRead(out var item))
            {
                Rewrite(writer, item);
            }
        }

        JsonTree.AssertEqual(
            LogdirJson.ToJson(LogdirSnapshot.Read(RepoPaths.Fixture(fixture))),
            LogdirJson.ToJson(LogdirSnapshot.Read(dir.Path)));
    }

    [Fact]
    public void BlobHash_Bytes_IsFirst16HexOfSha256()
    {
        Assert.Equal("6b86b273ff34fce1", LogdirJson.BlobHash(Google.Protobuf.ByteString.CopyFromUtf8("1")));
    }

    private static void Rewrite(EventFileWriter writer, RunItem item)
    {
        if (item.Kind == RunItemKind.Restart)
        {
            writer.WriteSessionStart(item.Step, item.WallTime);
            return;
        }

        var point = item.Point;
        if (point.PluginName == PluginNames.Graphs && point.Tag == PluginNames.RunGraphTag)
        {
            writer.WriteGraph(point.Step, point.WallTime, point.Blobs[0]);
        }
        else if (point.DataClass == DataClass.Scalar)
        {
            writer.WriteScalar(point.Tag, point.Step, (float)point.Scalar, point.WallTime, point.Metadata);
        }
        else
        {
            writer.WriteTensor(point.Tag, point.Step, point.WallTime, point.Tensor, point.Metadata);
        }
    }
}
