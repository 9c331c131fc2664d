using Metrics.Bench.Soak;
using Metrics.Resilience.Tests.Support;

namespace Metrics.Resilience.Tests.Faults;

/// <summary>kill -9 of ingest while two replicas run behind one database and one relay.</summary>
public sealed class IngestCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillIngest_EachReplicaInTurnUnderLoad_AckedPointsStoredAndExportedExactlyOnce()
    {
        await using var services = await Stack.StartAsync("ingest_kill", ingestReplicas: 2);
        var report = await SoakRunner.RunAsync(services, new SoakSettings
        {
            Writers = 30,
            Runs = 6,
            Duration = TimeSpan.FromSeconds(26),
            BatchesPerSecond = 4,
            Faults = [SoakFault.KillIngest(0), SoakFault.KillIngest(1), SoakFault.KillIngest(0)],
            FaultInterval = TimeSpan.FromSeconds(6),
        }, new TestOutputWriter(output), CancellationToken.None);

        Report.AssertExactlyOnce(output, "kill -9 ingest (2 replicas, each in turn)", report);
        // How many kills fit depends on how fast a replica restarts; each replica must have died at least once.
        Assert.Contains("kill -9 ingest-0", report.FaultsInjected);
        Assert.Contains("kill -9 ingest-1", report.FaultsInjected);
        Assert.True(report.Reconnects > 0, "no writer had to reconnect: the kills did not hit a live stream");
        Assert.All(services.Ingests, i => Assert.True(i.IsRunning, i.Name + " is not running"));
    }
}
