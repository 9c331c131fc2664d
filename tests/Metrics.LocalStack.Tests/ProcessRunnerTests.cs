namespace Metrics.LocalStack.Tests;

public sealed class ProcessRunnerTests
{
    [Fact]
    public void FindOnPath_Shell_AnExecutableFileInAPathDirectory()
    {
        var path = ProcessRunner.FindOnPath("sh");

        Assert.NotNull(path);
        Assert.True(File.Exists(path));
        Assert.Equal("sh", Path.GetFileName(path));
        Assert.Contains(Path.GetDirectoryName(path), Environment.GetEnvironmentVariable("PATH")!.Split(Path.PathSeparator));
    }

    [Fact]
    public void FindOnPath_NoSuchProgram_Null() =>
        Assert.Null(ProcessRunner.FindOnPath("metrics-no-such-program-" + Guid.NewGuid().ToString("N")));
}
