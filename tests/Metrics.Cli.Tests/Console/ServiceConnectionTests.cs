namespace Metrics.Cli.Tests.Console;

/// <summary>The client commands' connection settings, checked before anything connects.</summary>
public sealed class ServiceConnectionTests
{
    [Theory]
    [InlineData("export", "--query", "--out")]
    [InlineData("upload", "--server", "--logdir")]
    public async Task ClientCommand_UrlNotHttp_ExitsTwoNamingTheFlag(string command, string urlFlag, string pathFlag)
    {
        var folder = Directory.CreateTempSubdirectory("metrics-connection-");
        try
        {
            var result = await ProcessRunner.RunDotnetAsync(
                ServiceBinaries.Cli,
                [command, urlFlag, "ftp://example.org/x", "--token", "mt_x", "--project", "p", pathFlag, folder.FullName]);

            Assert.Equal(2, result.ExitCode);
            Assert.Equal($"metrics {command}: {urlFlag} must be an http:// or https:// URL, not 'ftp://example.org/x'.", result.StandardError.Trim());
            Assert.Empty(folder.EnumerateFileSystemInfos());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
