namespace Metrics.Cli.Tests.Upload;

/// <summary>Usage errors of `metrics upload` exit 2 (docs/client.md), before anything connects.</summary>
public sealed class UploadUsageTests
{
    [Fact]
    public async Task Upload_NoLogdir_ExitsTwo()
    {
        var result = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["upload", "--server", "http://127.0.0.1:1", "--token", "mt_x", "--project", "p"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--logdir", result.StandardError, StringComparison.Ordinal);
    }
}
