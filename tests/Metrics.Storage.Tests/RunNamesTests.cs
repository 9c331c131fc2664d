namespace Metrics.Storage.Tests;

public sealed class RunNamesTests
{
    [Theory]
    [InlineData("train")]
    [InlineData("mnist/lr-0.01/train")]
    [InlineData("run with spaces/評価")]
    [InlineData("a..b/c.d")]
    public void Problem_ValidName_IsNull(string name)
    {
        Assert.Null(RunNames.Problem(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("a/../b")]
    [InlineData("./a")]
    [InlineData("/etc/passwd")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData("a\\b")]
    [InlineData("a\0b")]
    [InlineData("a\nb")]
    public void Problem_UnsafeName_SaysWhy(string name)
    {
        Assert.NotNull(RunNames.Problem(name));
    }

    [Fact]
    public void Problem_TooLong_SaysWhy()
    {
        Assert.Contains("longer", RunNames.Problem(new string('a', RunNames.MaxLength + 1)), StringComparison.Ordinal);
        Assert.Contains("segment", RunNames.Problem(new string('é', 200)), StringComparison.Ordinal);
    }
}
