using Metrics.Bench.Soak;
using Metrics.LocalStack;
using Metrics.Resilience.Tests.Support;
using Metrics.Testing;

namespace Metrics.Resilience.Tests.Faults;

/// <summary>PostgreSQL crashes (immediate restart) and is briefly unreachable while writers write.</summary>
public sealed class PostgresRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RestartPostgres_ImmediateAndBrieflyDownUnderLoad_AckedPointsExactlyOnce()
    {
        // A durable private cluster of this test's own: the restart must not disturb other tests.
        var dir = Stack.WorkDirectory("pg_restart_cluster");
        var cluster = await LocalPostgres.StartAsync(dir, port: null, durable: true, log: null, CancellationToken.None);
        try
        {
            await using var services = await Stack.StartAsync("pg_restart", databaseUrl: cluster.Url());
            var restart = new SoakFault("postgres restart -m immediate", (_, ct) => cluster.RestartAsync(immediate: true, ct));
            var outage = new SoakFault("postgres down until ingest is unready, then up", async (s, ct) =>
            {
                await cluster.StopAsync(ct);
                await Eventually.TrueAsync(async () => !await s.Ingests[0].IsReadyAsync(ct), TimeSpan.FromSeconds(30), () => "ingest to report unready with PostgreSQL down", ct);

                cluster = await LocalPostgres.StartAsync(dir, cluster.Port, durable: true, log: null, ct);
            });
            var report = await SoakRunner.RunAsync(services, new SoakSettings
            {
                Writers = 20,
                Runs = 5,
                Duration = TimeSpan.FromSeconds(24),
                BatchesPerSecond = 5,
                Faults = [restart, outage],
                FaultInterval = TimeSpan.FromSeconds(7),
            }, new TestOutputWriter(output), CancellationToken.None);

            Report.AssertExactlyOnce(output, "PostgreSQL immediate restart and outage", report);
            Assert.Equal(2, report.FaultsInjected.Distinct().Count());
            Assert.All(services.Ingests.Append(services.Query!).Append(services.Exporter!), s => Assert.True(s.IsRunning, s.Name + " exited:\n" + s.Tail));
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
