using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using Metrics.LocalStack;
using Metrics.LocalStack.Replication;
using Microsoft.Extensions.DependencyInjection;

namespace Metrics.Bench.Query;

/// <summary>
/// `metrics bench query --standby`: read throughput of a query service whose reads spread over the
/// primary and one streaming standby (METRICS_DATABASE_READ_URL, every read behind the freshness
/// barrier), beside the same reads of a query service on the primary alone, in the same run.
/// </summary>
internal static class ReplicaReadBenchmark
{
    /// <summary>Adds the replica_* figures to <paramref name="result"/>.</summary>
    public static async Task AddAsync(
        BenchResult result, LocalPostgres primary, string database, string pepper, string token,
        Uri primaryOnly, IReadOnlyList<(string Name, int RequestsPerReader, Func<HttpClient, CancellationToken, Task> Read)> workloads,
        QueryBenchmarkOptions options, CancellationToken cancellationToken)
    {
        options.Log?.WriteLine("Starting a streaming standby of the benchmark's PostgreSQL");
        await using var standby = await LocalStandby.StartAsync(primary, new StandbyOptions { ApplicationName = "bench-standby" }, options.Log, cancellationToken);
        var standbyHost = $"127.0.0.1:{standby.Port}";
        await standby.WaitCaughtUpAsync(primary, TimeSpan.FromMinutes(10), cancellationToken);

        // Both servers in the read URL: requests take them in turn (the primary is always fresh).
        var readUrl = $"postgres://postgres@{standbyHost},127.0.0.1:{primary.Port}/{database}";
        var (app, replicated) = await QueryServiceHost.StartAsync(primary.Url(database), pepper, cancellationToken, readUrl: readUrl);
        await using (app)
        {
            using var reads = new ReadTargets(app.Services.GetRequiredService<IMeterFactory>());
            using var onPrimary = Client(primaryOnly, token, options);
            using var spread = Client(replicated, token, options);
            foreach (var (name, requests, read) in workloads)
            {
                // Warm both (JIT, pools, the standby's cache), then the same requests against each.
                for (var i = 0; i < 5; i++)
                {
                    await read(onPrimary, cancellationToken);
                    await read(spread, cancellationToken);
                }

                reads.Reset();
                var alone = await ThroughputAsync(onPrimary, read, options.Readers, requests, cancellationToken);
                var both = await ThroughputAsync(spread, read, options.Readers, requests, cancellationToken);
                options.Log?.WriteLine($"{name}: {alone:N0} req/s on the primary alone, {both:N0} req/s spread over primary and standby ({reads.Describe()})");
                result.Extra[$"replica_{name}_primary_only_rps"] = Math.Round(alone, 1);
                result.Extra[$"replica_{name}_with_standby_rps"] = Math.Round(both, 1);
                result.Extra[$"replica_{name}_standby_share"] = Math.Round(reads.Share(standbyHost), 3);
                result.Extra[$"replica_{name}_fallbacks"] = reads.Fallbacks;
                result.Extra[$"replica_{name}_barrier_p50_ms"] = Math.Round(reads.BarrierPercentile(0.5) * 1000, 2);
                result.Extra[$"replica_{name}_barrier_p99_ms"] = Math.Round(reads.BarrierPercentile(0.99) * 1000, 2);
            }
        }
    }

    private static HttpClient Client(Uri address, string token, QueryBenchmarkOptions options)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Readers * 2 }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>Requests per second of <paramref name="readers"/> concurrent readers making <paramref name="requestsPerReader"/> requests each.</summary>
    private static async Task<double> ThroughputAsync(HttpClient http, Func<HttpClient, CancellationToken, Task> read, int readers, int requestsPerReader, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, readers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < requestsPerReader; i++)
            {
                await read(http, cancellationToken);
            }
        }, cancellationToken)));
        return readers * requestsPerReader / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Where the replicated service's reads went and what the barrier cost, from its "Metrics.Query.Replicas" meter.</summary>
    private sealed class ReadTargets : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _servers = new(StringComparer.Ordinal);
        private readonly ConcurrentQueue<double> _barrier = new();
        private long _fallbacks;

        public ReadTargets(IMeterFactory meters)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Metrics.Query.Replicas" && ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                if (instrument.Name == "metrics.query.read.fallbacks")
                {
                    Interlocked.Add(ref _fallbacks, value);
                }
                else if (instrument.Name == "metrics.query.reads")
                {
                    string? server = "primary";
                    foreach (var tag in tags)
                    {
                        if (tag.Key == "server")
                        {
                            server = tag.Value as string;
                        }
                    }

                    _servers.AddOrUpdate(server ?? "?", value, (_, old) => old + value);
                }
            });
            _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
            {
                if (instrument.Name == "metrics.query.read.barrier.duration")
                {
                    _barrier.Enqueue(value);
                }
            });
            _listener.Start();
        }

        public long Fallbacks => Interlocked.Read(ref _fallbacks);

        /// <summary>The share of reads <paramref name="server"/> (host:port) served.</summary>
        public double Share(string server)
        {
            var total = _servers.Values.Sum();
            return total == 0 ? 0 : _servers.GetValueOrDefault(server) / (double)total;
        }

        public double BarrierPercentile(double p)
        {
            var sorted = _barrier.Order().ToList();
            return sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
        }

        public void Reset()
        {
            _servers.Clear();
            _barrier.Clear();
            Interlocked.Exchange(ref _fallbacks, 0);
        }

        public string Describe() => string.Join(", ", _servers.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}: {t.Value}")) + $", fallbacks: {Fallbacks}";

        public void Dispose() => _listener.Dispose();
    }
}
