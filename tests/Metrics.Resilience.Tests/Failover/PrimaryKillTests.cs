namespace Metrics.Resilience.Tests.Failover;

/// <summary>The primary's machine lost (kill -9 of its Patroni and PostgreSQL) under load: Patroni promotes the synchronous standby.</summary>
public sealed class PrimaryKillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillPrimary_WritersThroughTwoIngestReplicas_AckedPointsExactlyOnceAndServicesFollowWithoutRestart()
    {
        var figures = await FailoverSoak.RunAsync(output, "failover_kill", "kill -9 primary", async (cluster, ct) =>
        {
            var killed = await cluster.KillPrimaryAsync(ct);
            return (killed, await cluster.WaitForNewPrimaryAsync(killed, TimeSpan.FromSeconds(90), ct));
        });

        Assert.True(figures.Failover > TimeSpan.Zero);
    }
}
