using System.Globalization;
using Metrics.LocalStack;
using Metrics.Testing;

namespace Metrics.Client.Tests;

/// <summary>Without a LoggerFactory the SDK still says when it cannot reach the server (standard error), as a real job shows.</summary>
public sealed class SummaryWriterLoggingTests
{
    [Fact]
    public async Task SummaryWriter_NoLoggerFactoryServerUnreachable_WarnsOnStandardErrorWithAddressAndStatus()
    {
        using var refusing = LoopbackPorts.Refusing();
        var url = "http://127.0.0.1:" + refusing.Port.ToString(CultureInfo.InvariantCulture);
        var job = ServiceBinaries.Built("examples/Training", "Metrics.Examples.Training.dll");
        using var process = ProcessRunner.StartDotnet(job, ["--server", url, "--token", "mt_unused", "--steps", "3"], clearMetricsEnvironment: false);
        var stdout = process.StandardOutput.ReadToEndAsync();
        try
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            string? warning = null;
            while (warning is null && await process.StandardError.ReadLineAsync(patience.Token) is { } line)
            {
                warning = line.StartsWith("metrics-client warning: ", StringComparison.Ordinal) ? line : null;
            }

            Assert.NotNull(warning);
            Assert.Contains($"Metrics ingest at {url} unreachable", warning, StringComparison.Ordinal);
            Assert.Contains("Unavailable", warning, StringComparison.Ordinal);
            Assert.Contains("Connection refused", warning, StringComparison.Ordinal);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            await stdout;
        }
    }
}
