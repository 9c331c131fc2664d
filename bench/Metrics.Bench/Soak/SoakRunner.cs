using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Metrics.Contracts.V1;

namespace Metrics.Bench.Soak;

/// <summary>
/// Runs a soak against running <see cref="SoakServices"/>: writers write for the duration while
/// faults are injected in turn, queries are made and ingest's RSS is sampled; then the writers
/// finish what they made and every acknowledged point is checked in the database and, once the
/// exporter has caught up, in the logdir.
/// </summary>
public static class SoakRunner
{
    public static async Task<SoakReport> RunAsync(SoakServices services, SoakSettings settings, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(progress);
        var latency = new LatencyRecorder();
        var queryLatency = new LatencyRecorder();
        // One channel (one HTTP/2 connection) per ingest replica, writers spread over them: the relay
        // sends each new connection to the next replica, so every replica carries writers.
        var clients = services.Ingests.Select(_ => new Metrics.Contracts.V1.Ingest.IngestClient(services.Channel())).ToList();
        var writers = Enumerable.Range(0, settings.Writers)
            .Select(i => new LoadWriter(LoadSeries.For(i, settings.Runs, settings.PointsPerBatch, settings.RunPrefix), clients[i % clients.Count], services.WriteToken, latency, settings.Window, settings.BatchesPerSecond))
            .ToList();

        using var stopGenerating = new CancellationTokenSource();
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var background = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var rssStart = services.Ingests.Max(i => i.RssBytes);
        long rssMax = rssStart;
        var sampler = SampleAsync(() => rssMax = Math.Max(rssMax, services.Ingests.Max(i => i.RssBytes)), TimeSpan.FromMilliseconds(250), background.Token);
        var queries = services.Query is null ? Task.FromResult(new QueryTally()) : QueryLoopAsync(services, settings, queryLatency, started, background.Token);
        var running = writers.Select(w => Task.Run(() => w.RunAsync(stopGenerating.Token, abort.Token), CancellationToken.None)).ToList();
        var reporter = SampleAsync(() => progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Stopwatch.GetElapsedTime(started).TotalSeconds,6:0.0}s acked={writers.Sum(w => w.Series.Points(w.LastAcked))} ack p99={latency.Percentile(99):0.0} ms ingest RSS={rssMax / 1048576.0:0} MB reconnects={writers.Sum(w => w.Reconnects)}")),
            TimeSpan.FromSeconds(5), background.Token);

        var injected = new List<string>();
        var injectedAt = new List<double>();
        var ackedAfter = new List<long>();
        var deadline = started + (long)(settings.Duration.TotalSeconds * Stopwatch.Frequency);
        var faultIndex = 0;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var remaining = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
            var wait = settings.Faults.Count == 0 ? remaining : TimeSpan.FromTicks(Math.Min(remaining.Ticks, settings.FaultInterval.Ticks));
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            if (settings.Faults.Count > 0 && Stopwatch.GetTimestamp() < deadline && (settings.RepeatFaults || faultIndex < settings.Faults.Count))
            {
                var fault = settings.Faults[faultIndex++ % settings.Faults.Count];
                var at = Stopwatch.GetElapsedTime(started).TotalSeconds;
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{at,6:0.0}s fault: {fault.Name}"));
                await fault.InjectAsync(services, cancellationToken);
                injected.Add(fault.Name);
                injectedAt.Add(at);
                ackedAfter.Add(writers.Sum(w => w.Series.Points(w.LastAcked)));
            }
        }

        var generatingSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await stopGenerating.CancelAsync();
        // Writers finish what they made; a writer that cannot within the time limit is a failure the audit shows.
        abort.CancelAfter(TimeSpan.FromMinutes(3));
        await Task.WhenAll(running);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await background.CancelAsync();
        await sampler;
        await reporter;
        var queryTally = await queries;

        var acked = writers.Select(w => (w.Series, w.LastAcked)).ToList();
        services.DataSource.Clear(); // pooled connections opened before a database restart are dead
        var database = await PointAudit.DatabaseAsync(services.DataSource, services.Options.Project, acked, cancellationToken);
        AuditResult? logdir = null;
        if (services.Exporter is not null)
        {
            var exportDeadline = Stopwatch.GetTimestamp() + (long)(settings.ExportCatchUp.TotalSeconds * Stopwatch.Frequency);
            while (true)
            {
                logdir = LogdirAudit.Read(services.ProjectDirectory, acked);
                if (logdir.Exact || Stopwatch.GetTimestamp() > exportDeadline)
                {
                    break;
                }

                await Task.Delay(500, cancellationToken);
            }
        }

        var failures = new Dictionary<StatusCode, int>();
        foreach (var (code, count) in writers.SelectMany(w => w.Failures))
        {
            failures[code] = failures.GetValueOrDefault(code) + count;
        }

        return new SoakReport
        {
            Writers = settings.Writers,
            Seconds = Math.Max(generatingSeconds, 0.001),
            PointsSent = writers.Sum(w => w.Series.Points(w.LastGenerated)),
            PointsAcked = writers.Sum(w => w.Series.Points(w.LastAcked)),
            Database = database,
            Logdir = logdir,
            AckP50Ms = latency.Percentile(50),
            AckP99Ms = latency.Percentile(99),
            AckMaxMs = latency.Max,
            IngestRssStartBytes = rssStart,
            IngestRssMaxBytes = rssMax,
            Queries = queryTally.Count,
            QueryFailures = queryTally.Failures,
            QueryFailureWindow = queryTally.Failures > 0 ? (queryTally.FirstFailure, queryTally.LastFailure) : null,
            QueriesAnsweredAfterLastFailure = queryTally.AnsweredAfterLastFailure,
            QueryAnswerSeconds = queryTally.Answers,
            LongestAckStallMs = latency.LongestPauseMs,
            QueryP50Ms = queryLatency.Percentile(50),
            QueryP99Ms = queryLatency.Percentile(99),
            Reconnects = writers.Sum(w => w.Reconnects),
            WriterFaults = [.. writers.Where(w => w.Fault is not null).Select(w => w.Series.WriterId + ": " + w.Fault)],
            ConnectionFailures = failures,
            FaultsInjected = injected,
            FaultSeconds = injectedAt,
            PointsAckedAfterFaults = ackedAfter,
        };
    }

    private static async Task SampleAsync(Action sample, TimeSpan every, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                sample();
            }
        }
        catch (OperationCanceledException)
        {
            // The soak is over.
        }
    }

    /// <summary>
    /// A dashboard's reads while the load runs: the run list, then one series of one run, in turn.
    /// A failure is a 5xx or no answer; a 4xx (a series not written yet) is an answer.
    /// </summary>
    private static async Task<QueryTally> QueryLoopAsync(SoakServices services, SoakSettings settings, LatencyRecorder latency, long started, CancellationToken cancellationToken)
    {
        using var http = services.QueryClient();
        var tally = new QueryTally();
        void Failed()
        {
            var at = Stopwatch.GetElapsedTime(started).TotalSeconds;
            tally.Failures++;
            tally.FirstFailure = tally.Failures == 1 ? at : tally.FirstFailure;
            tally.LastFailure = at;
            tally.AnsweredAfterLastFailure = 0;
        }

        long? runId = null;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var path = runId is { } id
                    ? string.Create(CultureInfo.InvariantCulture, $"/api/v1/runs/{id}/scalars?tag=w0/loss&max_points=1000")
                    : $"/api/v1/projects/{services.Options.Project}/runs?limit=100&prefix={settings.RunPrefix}/";
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
                    var body = await response.Content.ReadAsStringAsync(cancellationToken);
                    tally.Count++;
                    if ((int)response.StatusCode >= 500)
                    {
                        Failed();
                        continue;
                    }

                    tally.AnsweredAfterLastFailure++;
                    tally.Answers.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);

                    if (!response.IsSuccessStatusCode)
                    {
                        // 404: the tag has no points yet (the first commits are still on their way).
                        runId = null;
                        continue;
                    }

                    latency.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                    if (runId is null)
                    {
                        runId = FirstRunId(body);
                    }
                    else
                    {
                        runId = null; // alternate: the run list next
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    tally.Count++;
                    Failed();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The soak is over.
        }

        return tally;
    }

    /// <summary>What the query loop saw: answers, failures and when they happened (seconds into the soak).</summary>
    private sealed class QueryTally
    {
        public long Count { get; set; }

        public long Failures { get; set; }

        public double FirstFailure { get; set; }

        public double LastFailure { get; set; }

        public long AnsweredAfterLastFailure { get; set; }

        public List<double> Answers { get; } = [];
    }

    private static long? FirstRunId(string body)
    {
        using var page = JsonDocument.Parse(body);
        foreach (var run in page.RootElement.GetProperty("runs").EnumerateArray())
        {
            if (run.GetProperty("name").GetString()?.EndsWith("/run-000", StringComparison.Ordinal) == true)
            {
                return run.GetProperty("run_id").GetInt64();
            }
        }

        return null;
    }
}
