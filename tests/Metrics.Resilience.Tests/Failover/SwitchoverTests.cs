namespace Metrics.Resilience.Tests.Failover;

/// <summary>A planned switchover (Patroni's REST API) under load: the primary stops cleanly, the synchronous standby takes over.</summary>
public sealed class SwitchoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Switchover_WritersThroughTwoIngestReplicas_AckedPointsExactlyOnceAndServicesFollowWithoutRestart()
    {
        var figures = await FailoverSoak.RunAsync(output, "failover_switchover", "switchover", async (cluster, ct) =>
        {
            var primary = await cluster.PrimaryAsync(ct) ?? throw new InvalidOperationException("no primary before the switchover");
            return (primary, await cluster.SwitchoverAsync(ct));
        });

        Assert.True(figures.Failover > TimeSpan.Zero);
    }
}
