using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Grpc.Net.Client;
using Metrics.Bench.Query;
using Metrics.Contracts.TensorBoard.Data;
using Metrics.LocalStack;
using Metrics.ServiceDefaults.Hosting;
using Metrics.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Metrics.Bench.TensorBoard;

/// <summary>
/// `metrics bench tensorboard`: p99 of TensorBoard's ReadScalars (a 1M-point series downsampled to
/// 1,000 points, 8 concurrent gRPC readers) beside the REST read of the same series with the same
/// max_points and readers, in the same run; also ListScalars of a project of 1,000 runs × 10 tags.
/// Self-contained: a private PostgreSQL, data by binary COPY, the query service in-process on real
/// Kestrel with its TensorBoard port. Value = ReadScalars p99 ms; ratio = p99 / REST p99.
/// </summary>
public static class TensorBoardBenchmark
{
    public static async Task<BenchResult> RunAsync(TensorBoardBenchmarkOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dataDir = options.DataDir ?? Path.Combine(Path.GetTempPath(), "metrics-bench-tensorboard-" + Guid.NewGuid().ToString("N"));
        try
        {
            options.Log?.WriteLine($"Starting PostgreSQL in {dataDir}");
            await using var postgres = await LocalPostgres.StartAsync(dataDir, port: null, durable: false, log: options.Log, cancellationToken);
            await using (var admin = MetricsDataSource.Create(postgres.Url(), applicationName: "metrics-bench"))
            await using (var create = admin.CreateCommand("CREATE DATABASE metrics_bench_tensorboard"))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            var url = postgres.Url("metrics_bench_tensorboard");
            await using var dataSource = MetricsDataSource.Create(url, applicationName: "metrics-bench");
            await new SchemaMigrator(dataSource).MigrateAsync(cancellationToken);
            var watch = Stopwatch.StartNew();
            var shape = new QueryBenchmarkOptions { Points = options.Points, Runs = options.Runs, TagsPerRun = options.TagsPerRun, PointsPerTag = options.PointsPerTag };
            var (longRun, _) = await QueryBenchmarkData.LoadAsync(dataSource, shape, cancellationToken);
            var loadSeconds = watch.Elapsed.TotalSeconds;
            options.Log?.WriteLine($"Loaded {options.Points:N0} + {(long)options.Runs * options.TagsPerRun * options.PointsPerTag:N0} points in {loadSeconds:N1} s");

            var pepper = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            var token = await QueryBenchmarkData.TokenAsync(dataSource, pepper, cancellationToken);
            var (app, address) = await QueryServiceHost.StartAsync(url, pepper, cancellationToken, tensorBoard: true);
            await using (app)
            {
                var tensorBoard = app.Services.GetRequiredService<ServiceEndpoints>().Address("tensorboard");
                var channels = Enumerable.Range(0, options.Readers).Select(_ => GrpcChannel.ForAddress(tensorBoard, new GrpcChannelOptions { MaxReceiveMessageSize = 256 << 20 })).ToList();
                using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Readers * 2 }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
                try
                {
                    var clients = channels.Select(c => new TensorBoardDataProvider.TensorBoardDataProviderClient(c)).ToList();
                    var read = new ReadScalarsRequest
                    {
                        ExperimentId = QueryBenchmarkData.Project,
                        PluginFilter = new PluginFilter { PluginName = "scalars" },
                        RunTagFilter = new RunTagFilter { Runs = new RunFilter { Names = { QueryBenchmarkData.LongRun } }, Tags = new TagFilter { Names = { QueryBenchmarkData.LongTag } } },
                        Downsample = new Downsample { NumPoints = options.NumPoints },
                    };
                    var rest = $"/api/v1/runs/{longRun}/scalars?tag={QueryBenchmarkData.LongTag}&max_points={options.NumPoints}";

                    // Warm-up: JIT, connections, and the first read that summarises the long series.
                    watch.Restart();
                    var first = await clients[0].ReadScalarsAsync(read, cancellationToken: cancellationToken);
                    var firstReadMs = watch.Elapsed.TotalMilliseconds;
                    var returned = first.Runs.Single().Tags.Single().Data.Step.Count;
                    for (var i = 0; i < 20; i++)
                    {
                        await clients[i % clients.Count].ReadScalarsAsync(read, cancellationToken: cancellationToken);
                        await GetAsync(http, rest, cancellationToken);
                    }

                    options.Log?.WriteLine($"{options.Readers} readers × {options.RequestsPerReader} ReadScalars, then the same REST reads");
                    var grpc = await ConcurrentlyAsync(options, reader => clients[reader].ReadScalarsAsync(read, cancellationToken: cancellationToken).ResponseAsync, cancellationToken);
                    var restLatencies = await ConcurrentlyAsync(options, _ => GetAsync(http, rest, cancellationToken), cancellationToken);

                    options.Log?.WriteLine($"{options.ListCalls} ListScalars of {options.Runs} runs × {options.TagsPerRun} tags");
                    var list = new ListScalarsRequest { ExperimentId = QueryBenchmarkData.Project, PluginFilter = new PluginFilter { PluginName = "scalars" } };
                    var listed = await clients[0].ListScalarsAsync(list, cancellationToken: cancellationToken);
                    var listLatencies = new List<double>();
                    for (var i = 0; i < options.ListCalls; i++)
                    {
                        var start = Stopwatch.GetTimestamp();
                        await clients[0].ListScalarsAsync(list, cancellationToken: cancellationToken);
                        listLatencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }

                    // TensorBoard's scalars dashboard: one tag across every run of the project.
                    var oneTag = new ReadScalarsRequest
                    {
                        ExperimentId = QueryBenchmarkData.Project,
                        PluginFilter = new PluginFilter { PluginName = "scalars" },
                        RunTagFilter = new RunTagFilter { Tags = new TagFilter { Names = { "metric/0" } } },
                        Downsample = new Downsample { NumPoints = options.NumPoints },
                    };
                    var tagLatencies = new List<double>();
                    for (var i = 0; i < options.ListCalls; i++)
                    {
                        var start = Stopwatch.GetTimestamp();
                        await clients[0].ReadScalarsAsync(oneTag, cancellationToken: cancellationToken);
                        tagLatencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }

                    var p99 = Percentile(grpc, 0.99);
                    var result = new BenchResult("tensorboard", p99, Percentile(restLatencies, 0.99), "ms", "REST downsampled read of the same series, same max_points and readers (p99)");
                    result.Extra["p50_ms"] = Math.Round(Percentile(grpc, 0.50), 2);
                    result.Extra["p99_ms"] = Math.Round(p99, 2);
                    result.Extra["rest_p50_ms"] = Math.Round(Percentile(restLatencies, 0.50), 2);
                    result.Extra["rest_p99_ms"] = Math.Round(Percentile(restLatencies, 0.99), 2);
                    result.Extra["requests"] = grpc.Count;
                    result.Extra["readers"] = options.Readers;
                    result.Extra["series_points"] = options.Points;
                    result.Extra["num_points"] = options.NumPoints;
                    result.Extra["points_returned"] = returned;
                    result.Extra["first_read_ms"] = Math.Round(firstReadMs, 1);
                    result.Extra["list_scalars_series"] = listed.Runs.Sum(r => r.Tags.Count);
                    result.Extra["list_scalars_p50_ms"] = Math.Round(Percentile(listLatencies, 0.50), 2);
                    result.Extra["list_scalars_p99_ms"] = Math.Round(Percentile(listLatencies, 0.99), 2);
                    result.Extra["read_one_tag_all_runs_p50_ms"] = Math.Round(Percentile(tagLatencies, 0.50), 2);
                    result.Extra["read_one_tag_all_runs_p99_ms"] = Math.Round(Percentile(tagLatencies, 0.99), 2);
                    result.Extra["load_seconds"] = Math.Round(loadSeconds, 1);
                    result.Extra["target_p99_ms"] = 50;
                    result.Extra["target_list_scalars_ms"] = 100;
                    return result;
                }
                finally
                {
                    channels.ForEach(c => c.Dispose());
                }
            }
        }
        finally
        {
            if (options.DataDir is null && Directory.Exists(dataDir))
            {
                try
                {
                    Directory.Delete(dataDir, recursive: true);
                }
                catch (IOException)
                {
                    // A cluster folder left in temp costs only disk space.
                }
            }
        }
    }

    private static async Task<List<double>> ConcurrentlyAsync(TensorBoardBenchmarkOptions options, Func<int, Task> call, CancellationToken cancellationToken)
    {
        var readers = Enumerable.Range(0, options.Readers).Select(reader => Task.Run(async () =>
        {
            var mine = new List<double>(options.RequestsPerReader);
            for (var i = 0; i < options.RequestsPerReader; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await call(reader);
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            return mine;
        }, cancellationToken)).ToList();
        return [.. (await Task.WhenAll(readers)).SelectMany(r => r)];
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
}
