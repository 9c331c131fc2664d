using Metrics.Bench.Soak;
using Metrics.Resilience.Tests.Support;

namespace Metrics.Resilience.Tests.Faults;

/// <summary>kill -9 of the exporter while writers write: the logdir must catch up exactly.</summary>
public sealed class ExporterCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillExporter_RepeatedlyUnderLoad_LogdirCatchesUpExactly()
    {
        await using var services = await Stack.StartAsync("exporter_kill");
        var report = await SoakRunner.RunAsync(services, new SoakSettings
        {
            Writers = 20,
            Runs = 5,
            Duration = TimeSpan.FromSeconds(22),
            BatchesPerSecond = 5,
            Faults = [SoakFault.KillExporter],
            FaultInterval = TimeSpan.FromSeconds(4),
        }, new TestOutputWriter(output), CancellationToken.None);

        Report.AssertExactlyOnce(output, "kill -9 exporter (repeatedly)", report);
        Assert.True(report.FaultsInjected.Count >= 2, "the exporter was killed fewer than 2 times");
        Assert.Equal(report.FaultsInjected.Count + 1, services.Exporter!.Starts);
    }
}
