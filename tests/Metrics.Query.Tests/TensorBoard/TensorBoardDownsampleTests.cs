using Metrics.Query.TensorBoard;

namespace Metrics.Query.Tests.TensorBoard;

public sealed class TensorBoardDownsampleTests
{
    [Theory]
    [InlineData(5, 0, new int[0])]
    [InlineData(5, 1, new[] { 4 })]
    [InlineData(5, 2, new[] { 0, 4 })]
    [InlineData(5, 3, new[] { 0, 2, 4 })]
    [InlineData(5, 5, new[] { 0, 1, 2, 3, 4 })]
    [InlineData(5, 9, new[] { 0, 1, 2, 3, 4 })]
    [InlineData(0, 3, new int[0])]
    public void Keep_CountAndNumPoints_EvenRanksWithTheLast(int count, long numPoints, int[] expected) =>
        Assert.Equal(expected, TensorBoardDownsample.Keep(count, numPoints));

    [Fact]
    public void Validate_PortWithoutProjects_FailsAtStartUp()
    {
        var options = new TensorBoardOptions { Port = 6806 };
        Assert.Contains(options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)), r => r.ErrorMessage!.Contains("METRICS_TENSORBOARD_PROJECTS", StringComparison.Ordinal));
        Assert.Null(new TensorBoardOptions { Port = 6806, Projects = "*" }.AllowedProjects);
        Assert.Equal(["a", "b"], new TensorBoardOptions { Port = 6806, Projects = " a, b ," }.AllowedProjects!.Order());
        Assert.Empty(new TensorBoardOptions().Validate(new System.ComponentModel.DataAnnotations.ValidationContext(new TensorBoardOptions())));
    }
}
