using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Metrics.LocalStack;
using Metrics.Storage;

namespace Metrics.Bench.Query;

/// <summary>
/// `metrics bench query`: p50/p99 latency of 1000-point downsampled reads of a 1M-point scalar
/// series by 8 concurrent HTTP readers, beside the full read (every point, streamed) of the same
/// series in the same run. Self-contained: a private PostgreSQL, data loaded by binary COPY, the
/// query service in-process on real Kestrel. Value = p99 ms; ratio = p99 / full read. With
/// <see cref="QueryBenchmarkOptions.Standby"/>, also read throughput over primary + standby (<see cref="ReplicaReadBenchmark"/>).
/// </summary>
public static class QueryBenchmark
{
    private const string Database = "metrics_bench_query";

    public static async Task<BenchResult> RunAsync(QueryBenchmarkOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dataDir = options.DataDir ?? Path.Combine(Path.GetTempPath(), "metrics-bench-query-" + Guid.NewGuid().ToString("N"));
        try
        {
            options.Log?.WriteLine($"Starting PostgreSQL in {dataDir}");
            await using var postgres = await LocalPostgres.StartAsync(dataDir, port: null, durable: false, log: options.Log, cancellationToken);
            var url = await CreateDatabaseAsync(postgres, cancellationToken);
            await using var dataSource = MetricsDataSource.Create(url, applicationName: "metrics-bench");
            await new SchemaMigrator(dataSource).MigrateAsync(cancellationToken);

            var watch = Stopwatch.StartNew();
            var (longRun, shortRuns) = await QueryBenchmarkData.LoadAsync(dataSource, options, cancellationToken);
            var loadSeconds = watch.Elapsed.TotalSeconds;
            options.Log?.WriteLine($"Loaded {options.Points:N0} + {(long)options.Runs * options.TagsPerRun * options.PointsPerTag:N0} points in {loadSeconds:N1} s");

            var pepper = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            var token = await QueryBenchmarkData.TokenAsync(dataSource, pepper, cancellationToken);
            var (app, address) = await QueryServiceHost.StartAsync(url, pepper, cancellationToken);
            await using (app)
            {
                using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Readers * 2 }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
                var downsample = $"/api/v1/runs/{longRun}/scalars?tag={QueryBenchmarkData.LongTag}&max_points={options.MaxPoints}";

                // Warm-up of the service (JIT, connection pool) on a short series and on another
                // range of the long one, then the first read of the whole long series: no
                // per-process summary to build (issue #17), so it costs about what later reads do.
                await GetAsync(http, $"/api/v1/runs/{shortRuns[0]}/scalars?tag=metric/0&max_points={options.MaxPoints}", cancellationToken);
                await GetAsync(http, downsample + $"&from_step=0&to_step={options.Points / 3}", cancellationToken);
                watch.Restart();
                await GetAsync(http, downsample, cancellationToken);
                var firstReadMs = watch.Elapsed.TotalMilliseconds;
                for (var i = 0; i < 20; i++)
                {
                    await GetAsync(http, downsample, cancellationToken);
                }

                var full = new List<double>();
                for (var i = 0; i < 3; i++)
                {
                    watch.Restart();
                    await GetAsync(http, $"/api/v1/runs/{longRun}/scalars?tag={QueryBenchmarkData.LongTag}&mode=all", cancellationToken);
                    full.Add(watch.Elapsed.TotalMilliseconds);
                }

                options.Log?.WriteLine($"{options.Readers} readers × {options.RequestsPerReader} downsampled reads");
                var latencies = await ReadConcurrentlyAsync(http, options, _ => downsample, cancellationToken);

                var random = new Random(7);
                var ranges = await ReadConcurrentlyAsync(http, options, _ =>
                {
                    int from, to;
                    lock (random)
                    {
                        from = random.Next(0, options.Points / 2);
                        to = from + random.Next(options.Points / 10, options.Points / 2);
                    }

                    return downsample + $"&from_step={from}&to_step={to}";
                }, cancellationToken);

                var manyBody = new
                {
                    run_ids = shortRuns.Take(10).ToArray(),
                    tags = Enumerable.Range(0, options.TagsPerRun).Select(t => $"metric/{t}").ToArray(),
                    max_points = options.MaxPoints,
                };
                var many = await ReadConcurrentlyAsync(http, options with { RequestsPerReader = Math.Max(1, options.RequestsPerReader / 5) }, _ => null, cancellationToken,
                    () => System.Net.Http.Json.JsonContent.Create(manyBody), $"/api/v1/projects/{QueryBenchmarkData.Project}/scalars/query");

                var p50 = Percentile(latencies, 0.50);
                var p99 = Percentile(latencies, 0.99);
                var baseline = Percentile(full, 0.5);
                var result = new BenchResult("query", p99, baseline, "ms", "full read of the same series (every point, median of 3)");
                result.Extra["p50_ms"] = Math.Round(p50, 2);
                result.Extra["p99_ms"] = Math.Round(p99, 2);
                result.Extra["max_ms"] = Math.Round(latencies.Max(), 2);
                result.Extra["requests"] = latencies.Count;
                result.Extra["readers"] = options.Readers;
                result.Extra["series_points"] = options.Points;
                result.Extra["max_points"] = options.MaxPoints;
                result.Extra["first_read_ms"] = Math.Round(firstReadMs, 1);
                result.Extra["full_read_ms"] = Math.Round(baseline, 1);
                result.Extra["random_range_p50_ms"] = Math.Round(Percentile(ranges, 0.50), 2);
                result.Extra["random_range_p99_ms"] = Math.Round(Percentile(ranges, 0.99), 2);
                result.Extra["query_10x10_p50_ms"] = Math.Round(Percentile(many, 0.50), 2);
                result.Extra["query_10x10_p99_ms"] = Math.Round(Percentile(many, 0.99), 2);
                result.Extra["load_seconds"] = Math.Round(loadSeconds, 1);
                result.Extra["target_p99_ms"] = 25;
                result.Extra["target_first_read_ms"] = 100;
                if (options.Standby)
                {
                    await ReplicaReadBenchmark.AddAsync(result, postgres, Database, pepper, token, address,
                    [
                        ("downsample", options.RequestsPerReader, (client, cancel) => GetAsync(client, downsample, cancel)),
                        ("query_10x10", Math.Max(1, options.RequestsPerReader / 10), async (client, cancel) =>
                        {
                            using var response = await client.PostAsync($"/api/v1/projects/{QueryBenchmarkData.Project}/scalars/query", System.Net.Http.Json.JsonContent.Create(manyBody), cancel);
                            response.EnsureSuccessStatusCode();
                            _ = await response.Content.ReadAsByteArrayAsync(cancel);
                        }),
                    ], options, cancellationToken);
                }

                return result;
            }
        }
        finally
        {
            if (options.DataDir is null && Directory.Exists(dataDir))
            {
                ScratchFolder.TryDelete(dataDir);
            }
        }
    }

    private static async Task<List<double>> ReadConcurrentlyAsync(
        HttpClient http, QueryBenchmarkOptions options, Func<int, string?> url, CancellationToken cancellationToken,
        Func<HttpContent>? body = null, string? postUrl = null)
    {
        var all = new List<double>(options.Readers * options.RequestsPerReader);
        var readers = Enumerable.Range(0, options.Readers).Select(reader => Task.Run(async () =>
        {
            var mine = new List<double>(options.RequestsPerReader);
            for (var i = 0; i < options.RequestsPerReader; i++)
            {
                var start = Stopwatch.GetTimestamp();
                if (body is null)
                {
                    await GetAsync(http, url(i)!, cancellationToken);
                }
                else
                {
                    using var response = await http.PostAsync(postUrl, body(), cancellationToken);
                    response.EnsureSuccessStatusCode();
                    _ = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                }

                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            return mine;
        }, cancellationToken)).ToList();
        foreach (var reader in await Task.WhenAll(readers))
        {
            all.AddRange(reader);
        }

        return all;
    }

    private static async Task GetAsync(HttpClient http, string url, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await body.CopyToAsync(Stream.Null, cancellationToken);
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(p * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }

    private static async Task<string> CreateDatabaseAsync(LocalPostgres postgres, CancellationToken cancellationToken)
    {
        await using var admin = MetricsDataSource.Create(postgres.Url(), applicationName: "metrics-bench");
        await using var command = admin.CreateCommand("CREATE DATABASE " + Database);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return postgres.Url(Database);
    }
}
