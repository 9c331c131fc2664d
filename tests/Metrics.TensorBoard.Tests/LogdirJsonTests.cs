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
}
