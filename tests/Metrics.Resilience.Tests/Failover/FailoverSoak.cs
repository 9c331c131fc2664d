using System.Diagnostics;
using System.Globalization;
using Metrics.Bench.Soak;
using Metrics.Client;
using Metrics.LocalStack.Ha;
using Metrics.Resilience.Tests.Support;
using Metrics.Storage;
using Metrics.Testing;

namespace Metrics.Resilience.Tests.Failover;

/// <summary>
/// Writers stream through two ingest replicas (behind one relay) into a Patroni cluster while its
/// primary is replaced; ingest, query and exporter all take the cluster's multi-host URL, and query
/// reads on both servers (METRICS_DATABASE_READ_URL). Then:
/// every acknowledged point stored and exported exactly once (the protocol writers' and an SDK
/// SummaryWriter's, which resumes from the new primary's seq), no service restarted, writes
/// acknowledged after the change, and failed queries only from the change on, answered again after.
/// </summary>
internal static class FailoverSoak
{
    /// <summary>Runs the scenario; <paramref name="replace"/> replaces the primary and returns the old and the new one.</summary>
    public static async Task<FailoverFigures> RunAsync(
        ITestOutputHelper output, string name, string scenario, Func<PatroniCluster, CancellationToken, Task<(PatroniNode Old, PatroniNode New)>> replace)
    {
        var log = new TestOutputWriter(output);
        await using var cluster = await PatroniCluster.StartAsync(new PatroniClusterOptions(), log, CancellationToken.None);
        var url = await cluster.CreateDatabaseAsync("resilience_" + name, CancellationToken.None);
        // Query reads on either server (docs/replicas.md): a standby keeps answering while the primary is replaced.
        var reads = new Dictionary<string, string> { ["METRICS_DATABASE_READ_URL"] = cluster.StandbyUrl("resilience_" + name) };
        await using var services = await Stack.StartAsync(
            name, ingestReplicas: 2, databaseUrl: url, environment: new Dictionary<string, IReadOnlyDictionary<string, string>> { ["query"] = reads });

        PatroniNode? before = null, after = null;
        var failover = TimeSpan.Zero;
        var fault = new SoakFault(scenario, async (_, ct) =>
        {
            var started = Stopwatch.GetTimestamp();
            (before, after) = await replace(cluster, ct);
            failover = Stopwatch.GetElapsedTime(started);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"primary {before.Name} -> {after.Name} in {failover.TotalSeconds:0.0} s"));
        });
        using var stopSdk = new CancellationTokenSource();
        var sdk = SdkWriteAsync(services, stopSdk.Token);
        var report = await SoakRunner.RunAsync(services, new SoakSettings
        {
            Writers = 20,
            Runs = 5,
            Duration = TimeSpan.FromSeconds(34),
            BatchesPerSecond = 4,
            Faults = [fault],
            RepeatFaults = false,
            FaultInterval = TimeSpan.FromSeconds(10),
        }, log, CancellationToken.None);
        await stopSdk.CancelAsync();
        var (sdkPoints, closed) = await sdk;

        Report.AssertExactlyOnce(output, scenario + " (2 ingest replicas, Patroni, synchronous replication)", report);
        Assert.Equal([scenario], report.FaultsInjected);
        Assert.NotNull(before);
        Assert.NotNull(after);
        Assert.NotEqual(before, after);
        Assert.Equal(after, await cluster.PrimaryAsync(CancellationToken.None));

        // The services followed the new primary by reconnecting, not by a restart.
        Assert.All(services.Ingests.Append(services.Query!).Append(services.Exporter!), s =>
        {
            Assert.True(s.IsRunning, s.Name + " exited:\n" + s.Tail);
            Assert.True(s.Starts == 1, $"{s.Name} was started {s.Starts} times");
        });
        var ackedAfter = report.PointsAcked - report.PointsAckedAfterFaults[0];
        Assert.True(ackedAfter > 0, "no point was acknowledged after the new primary took over");

        // Queries fail only from the change on, and are answered again after it.
        if (report.QueryFailureWindow is var (first, _))
        {
            Assert.True(first >= report.FaultSeconds[0], $"a query failed at {first:0.0} s, before the primary was replaced at {report.FaultSeconds[0]:0.0} s");
            Assert.True(report.QueriesAnsweredAfterLastFailure > 0, "queries still failed when the soak ended; query's log:\n" + services.Query!.Tail);
        }

        Assert.True(report.Queries > report.QueryFailures, "no query was answered");

        // While there is no primary, the standby answers the dashboard's reads (a query every 200 ms):
        // at least one a second of the failover, and no more than a few failed (a read on the dying
        // primary's pool, tried again on the standby, costs one retry, not an error).
        var faultAt = report.FaultSeconds[0];
        var answeredDuring = report.QueryAnswerSeconds.Count(at => at >= faultAt && at <= faultAt + failover.TotalSeconds);
        Assert.True(answeredDuring >= (int)failover.TotalSeconds,
            $"only {answeredDuring} queries were answered in the {failover.TotalSeconds:0.0} s without a primary; query's log:\n{services.Query!.Tail}");
        Assert.True(report.QueryFailures <= 3, $"{report.QueryFailures} queries failed; query's log:\n{services.Query!.Tail}");
        await AssertSdkPointsExactlyOnceAsync(output, services, sdkPoints, closed);
        var figures = new FailoverFigures(failover, report.LongestAckStallMs, report.AckMaxMs, report.Queries, report.QueryFailures, answeredDuring, ackedAfter);
        output.WriteLine(figures.ToString());
        return figures;
    }

    private const string SdkRun = "sdk/failover";

    /// <summary>
    /// An SDK writer adding 100 points every 100 ms through the relay until stopped, then closing;
    /// in a project of its own, so the soak's audit of its project is not disturbed.
    /// </summary>
    private static async Task<(long Points, SummaryWriterCloseResult Closed)> SdkWriteAsync(SoakServices services, CancellationToken stop)
    {
        var token = await services.Tokens.CreateAsync("sdk", TokenScope.Write, "failover SDK writer", null, CancellationToken.None);
        await using var writer = new SummaryWriter(new SummaryWriterOptions
        {
            Server = services.Relay.Url,
            Token = token,
            RunName = SdkRun,
            WriterId = "sdk-failover",
            JournalDirectory = Stack.WorkDirectory("failover_sdk_journal"),
            MaxBatchPoints = 500,
        });
        long step = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                for (var i = 0; i < 100; i++, step++)
                {
                    writer.AddScalar("loss", step + 0.5, step, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000 + step));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The soak is over: close, which waits for every batch's acknowledgement.
        }

        return (step, await writer.CloseAsync(CancellationToken.None));
    }

    private static async Task AssertSdkPointsExactlyOnceAsync(ITestOutputHelper output, SoakServices services, long points, SummaryWriterCloseResult closed)
    {
        Assert.True(closed.Complete, "the SDK writer closed with batches unacknowledged: " + closed);
        var runId = await StoredData.ScalarAsync(services.DataSource, "SELECT run_id FROM runs WHERE name = $1", SdkRun);
        var stored = await StoredData.ReadScalarsAsync(services.DataSource, runId, "loss");
        var applied = await StoredData.ScalarAsync(services.DataSource, "SELECT points FROM writers WHERE run_id = $1", runId);
        output.WriteLine($"SDK writer: points={points} stored={stored.Count} writers.points={applied} closed={closed}");
        Assert.Equal(points, stored.Count);
        Assert.Equal(Enumerable.Range(0, (int)points).Select(s => ((long)s, s + 0.5)), stored);
        Assert.Equal(points, applied);
    }
}
