using System.Diagnostics;
using Metrics.LocalStack;
using Metrics.LocalStack.Ha;

namespace Metrics.Bench.Soak;

/// <summary>
/// `metrics bench soak`: writers against the services on a private durable PostgreSQL for minutes,
/// optionally with every fault in turn (kill -9 of each of two ingest replicas and of the exporter,
/// an immediate PostgreSQL restart, all connections cut), or (--ha) on a Patroni cluster whose
/// primary is killed halfway. The figure is the acknowledged point rate beside the offered one;
/// the audit (lost, duplicated) decides the exit code.
/// </summary>
public static class SoakBenchmark
{
    public static async Task<(BenchResult Result, SoakReport Report)> RunAsync(
        SoakSettings settings, bool withFaults, string? databaseUrl, Func<string, string> assembly, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(progress);
        var work = Path.Combine(Path.GetTempPath(), "metrics-bench-soak-" + Guid.NewGuid().ToString("N")[..8]);
        LocalPostgres? cluster = null;
        try
        {
            if (databaseUrl is null)
            {
                cluster = await LocalPostgres.StartAsync(Path.Combine(work, "postgres"), port: null, durable: true, log: progress, cancellationToken);
                databaseUrl = cluster.Url();
            }

            var replicas = withFaults ? 2 : 1;
            await using var services = await SoakServices.StartAsync(new SoakServicesOptions
            {
                DatabaseUrl = databaseUrl,
                Assembly = assembly,
                WorkDirectory = work,
                IngestReplicas = replicas,
            }, cancellationToken);
            progress.WriteLine($"soak: {settings.Writers} writers for {settings.Duration.TotalSeconds:0} s, {replicas} ingest replica(s), faults {(withFaults ? "on" : "off")}; logs in {work}/logs");
            if (withFaults)
            {
                List<SoakFault> faults = [SoakFault.KillIngest(0), SoakFault.KillExporter, SoakFault.KillIngest(1), SoakFault.CutConnections];
                if (cluster is not null)
                {
                    faults.Insert(2, new SoakFault("postgres restart -m immediate", (_, ct) => cluster.RestartAsync(immediate: true, ct)));
                }

                settings = settings with { Faults = faults };
            }

            var report = await SoakRunner.RunAsync(services, settings, progress, cancellationToken);
            return (Result(settings, report), report);
        }
        finally
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// `metrics bench soak --ha`: the same load through two ingest replicas on a Patroni cluster
    /// (two PostgreSQL servers, synchronous replication) whose primary's machine is lost (kill -9)
    /// halfway, query reading through METRICS_DATABASE_READ_URL on both servers; adds the failover time, the longest stretch without any ack and the failed queries.
    /// </summary>
    public static async Task<(BenchResult Result, SoakReport Report)> RunHighAvailabilityAsync(
        SoakSettings settings, Func<string, string> assembly, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(progress);
        var work = Path.Combine(Path.GetTempPath(), "metrics-bench-soak-ha-" + Guid.NewGuid().ToString("N")[..8]);
        await using var cluster = await PatroniCluster.StartAsync(new PatroniClusterOptions(), progress, cancellationToken);
        var databaseUrl = await cluster.CreateDatabaseAsync("soak", cancellationToken);
        await using var services = await SoakServices.StartAsync(new SoakServicesOptions
        {
            DatabaseUrl = databaseUrl,
            Assembly = assembly,
            WorkDirectory = work,
            IngestReplicas = 2,
            // Query reads on either server (docs/replicas.md): the standby answers while the primary is replaced.
            Environment = new Dictionary<string, IReadOnlyDictionary<string, string>>
            {
                ["query"] = new Dictionary<string, string> { ["METRICS_DATABASE_READ_URL"] = cluster.StandbyUrl("soak") },
            },
        }, cancellationToken);
        progress.WriteLine($"soak --ha: {settings.Writers} writers for {settings.Duration.TotalSeconds:0} s, 2 ingest replicas, {cluster.Nodes.Count} PostgreSQL servers under Patroni, the primary killed at {settings.Duration.TotalSeconds / 2:0} s; logs in {work}/logs");
        var failover = TimeSpan.Zero;
        var kill = new SoakFault("kill -9 primary", async (_, ct) =>
        {
            var started = Stopwatch.GetTimestamp();
            var killed = await cluster.KillPrimaryAsync(ct);
            var primary = await cluster.WaitForNewPrimaryAsync(killed, TimeSpan.FromSeconds(120), ct);
            failover = Stopwatch.GetElapsedTime(started);
            progress.WriteLine($"primary {killed.Name} -> {primary.Name} in {failover.TotalSeconds:0.0} s");
        });
        settings = settings with { Faults = [kill], RepeatFaults = false, FaultInterval = settings.Duration / 2 };
        var report = await SoakRunner.RunAsync(services, settings, progress, cancellationToken);
        var result = Result(settings, report);
        result.Extra["postgres"] = $"patroni {cluster.Nodes.Count} servers, synchronous";
        result.Extra["failover_s"] = Math.Round(failover.TotalSeconds, 1);
        result.Extra["query_failure_window_s"] = report.QueryFailureWindow is var (first, last) ? Math.Round(last - first, 1) : 0;
        return (result, report);
    }

    private static BenchResult Result(SoakSettings settings, SoakReport report)
    {
        var offered = settings.BatchesPerSecond > 0 ? settings.Writers * settings.BatchesPerSecond * settings.PointsPerBatch : report.AckedPointsPerSecond;
        var result = new BenchResult("soak acknowledged points/s", report.AckedPointsPerSecond, offered, "points/s", "offered load");
        result.Extra["writers"] = report.Writers;
        result.Extra["seconds"] = Math.Round(report.Seconds, 1);
        result.Extra["points_sent"] = report.PointsSent;
        result.Extra["points_acked"] = report.PointsAcked;
        result.Extra["points_stored"] = report.Database.Found;
        result.Extra["points_exported"] = report.Logdir?.Found ?? 0;
        result.Extra["lost"] = report.Database.Lost + (report.Logdir?.Lost ?? 0);
        result.Extra["duplicated"] = report.Database.Duplicated + (report.Logdir?.Duplicated ?? 0);
        result.Extra["unexpected"] = report.Database.Unexpected + (report.Logdir?.Unexpected ?? 0);
        result.Extra["ack_p50_ms"] = Math.Round(report.AckP50Ms, 1);
        result.Extra["ack_p99_ms"] = Math.Round(report.AckP99Ms, 1);
        result.Extra["ack_max_ms"] = Math.Round(report.AckMaxMs, 1);
        result.Extra["ingest_rss_max_mb"] = Math.Round(report.IngestRssMaxBytes / 1048576.0, 1);
        result.Extra["queries"] = report.Queries;
        result.Extra["query_failures"] = report.QueryFailures;
        result.Extra["query_p99_ms"] = Math.Round(report.QueryP99Ms, 1);
        result.Extra["reconnects"] = report.Reconnects;
        result.Extra["faults"] = report.FaultsInjected.Count;
        result.Extra["ack_stall_max_ms"] = Math.Round(report.LongestAckStallMs, 0);
        result.Extra["writer_faults"] = report.WriterFaults.Count;
        return result;
    }
}
