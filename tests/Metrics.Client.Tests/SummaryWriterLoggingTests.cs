using System.Diagnostics;
using System.Globalization;
using Metrics.Storage.Local;
using Metrics.Testing;

namespace Metrics.Client.Tests;

/// <summary>Without a LoggerFactory the SDK still says when it cannot reach the server (standard error), as a real job shows.</summary>
public sealed class SummaryWriterLoggingTests
{
    [Fact]
    public async Task SummaryWriter_NoLoggerFactoryServerUnreachable_WarnsOnStandardErrorWithAddressAndStatus()
    {
        var url = "http://127.0.0.1:" + LocalPostgres.FreePort().ToString(CultureInfo.InvariantCulture);
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var job = Path.Combine(RepoPaths.Root, "examples", "Training", "bin", configuration, "net10.0", "Metrics.Examples.Training.dll");
        var info = new ProcessStartInfo("dotnet", [job, "--server", url, "--token", "mt_unused", "--steps", "3"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
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
