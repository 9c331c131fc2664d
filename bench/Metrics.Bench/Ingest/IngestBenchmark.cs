using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Metrics.Contracts.V1;
using Metrics.LocalStack;
using Metrics.Storage;
using Metrics.Storage.Writes;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Bench.Ingest;

/// <summary>
/// `metrics bench ingest`: points/s from writers through real gRPC streams to committed rows
/// (time from the first batch sent to the last ack), beside the raw binary COPY of the same rows
/// into the same tables in the same run, and, when `victoria-metrics` is installed, beside the
/// same points posted to a private VictoriaMetrics (<see cref="VictoriaMetricsPeer"/>). Also the
/// ingest process's peak RSS while <see cref="IngestBenchmarkOptions.RssWriters"/> writers stream
/// at once, and the CPU each process spends per point while the clock runs (<see cref="CpuMeter"/>),
/// which stays comparable on a shared machine where points/s does not. Self-contained: a
/// private durable PostgreSQL and the ingest service as a child process, unless given --server.
/// </summary>
public static class IngestBenchmark
{
    private const string Pepper = "bench-ingest-pepper-0123456789abcdef";

    public static async Task<BenchResult> RunAsync(IngestBenchmarkOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Writers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Points, options.Writers);
        var mixed = options.Kind switch
        {
            "scalar" => false,
            "mixed" => true,
            _ => throw new ArgumentException("--kind is scalar or mixed", nameof(options)),
        };
        if (options.Server is not null && (options.Token is null || options.DatabaseUrl is null))
        {
            throw new ArgumentException("--server needs --token and --database (the baseline COPYs into the service's database)", nameof(options));
        }

        var root = Path.Combine(Path.GetTempPath(), "metrics-bench-ingest-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        LocalPostgres? postgres = null;
        ServiceProcess? ingest = null;
        try
        {
            var databaseUrl = options.DatabaseUrl;
            if (databaseUrl is null)
            {
                options.Log?.WriteLine("Starting a private PostgreSQL (durable) in " + root);
                postgres = await LocalPostgres.StartAsync(Path.Combine(root, "pg"), port: null, durable: true, options.Log, cancellationToken);
                await using var admin = MetricsDataSource.Create(postgres.Url());
                await using (var create = admin.CreateCommand("CREATE DATABASE bench"))
                {
                    await create.ExecuteNonQueryAsync(cancellationToken);
                }

                databaseUrl = postgres.Url("bench");
            }

            await using var db = MetricsDataSource.Create(databaseUrl, maxPoolSize: options.Writers + 10);
            await new SchemaMigrator(db).MigrateAsync(cancellationToken);
            var token = options.Token;
            Uri server;
            if (options.Server is { } given)
            {
                server = given;
            }
            else
            {
                var tokens = new TokenStore(db, Options.Create(new TokenOptions { Pepper = Pepper }), TimeProvider.System);
                token = await tokens.CreateAsync("bench", TokenScope.Write, "bench ingest", null, cancellationToken);
                options.Log?.WriteLine("Starting the ingest service");
                ingest = await BenchIngest.StartAsync(databaseUrl, Pepper, Path.Combine(root, "ingest.log"), cancellationToken);
                server = ingest.Endpoint("grpc");
            }

            var tag = Guid.NewGuid().ToString("N")[..6];
            var perWriter = options.Points / options.Writers;
            var workload = Enumerable.Range(0, options.Writers)
                .Select(w => BenchRows.Batches(w, perWriter, options.BatchPoints, options.Tags, mixed)).ToList();
            var points = workload.Sum(w => BenchRows.PointCount(w));

            options.Log?.WriteLine("Warming up");
            var warmup = Enumerable.Range(0, 2).Select(w => BenchRows.Batches(w, 20_000, options.BatchPoints, options.Tags, mixed)).ToList();
            await WriteAllAsync(server, token!, $"bench-{tag}/warmup", warmup, cancellationToken);
            await CopyBaseline.MeasureAsync(db, await ProjectIdAsync(db, cancellationToken), $"bench-{tag}/warmup-copy", warmup, cancellationToken);

            // CPU of the service, of PostgreSQL (all its backends) and of this process (the writers), when they are ours to read.
            var meter = new CpuMeter().Add("client", CpuMeter.OwnSeconds);
            if (ingest is not null)
            {
                meter.Add("ingest", CpuMeter.Service(ingest));
            }

            if (postgres is not null)
            {
                meter.Add("postgres", CpuMeter.Postgres(postgres));
            }

            options.Log?.WriteLine($"Ingest: {options.Writers} writers, {points} points ({options.Kind})");
            var cpu = meter.Start();
            var ingestSeconds = await WriteAllAsync(server, token!, $"bench-{tag}/ingest", workload, cancellationToken);
            var ingestCpu = cpu();
            var rate = points / ingestSeconds;

            options.Log?.WriteLine("Baseline: binary COPY of the same rows");
            var baseline = await CopyBaseline.MeasureAsync(db, await ProjectIdAsync(db, cancellationToken), $"bench-{tag}/copy", workload, cancellationToken);

            var result = new BenchResult("ingest", rate, baseline, "points/s", $"binary COPY of the same rows, {options.Writers} connections, no service");
            result.Extra["writers"] = options.Writers;
            result.Extra["points"] = points;
            result.Extra["kind"] = options.Kind;
            result.Extra["batch_points"] = options.BatchPoints;
            result.Extra["ingest_seconds"] = Math.Round(ingestSeconds, 3);
            result.Extra["durable"] = options.DatabaseUrl is null;
            CpuMeter.Report(result, ingestCpu, points);
            await AddPeerAsync(result, options, root, $"bench-{tag}", workload, warmup, mixed, cancellationToken);

            if (ingest is not null && options.RssWriters > 0)
            {
                options.Log?.WriteLine($"Memory: {options.RssWriters} concurrent writers");
                var rssWorkload = Enumerable.Range(0, options.RssWriters)
                    .Select(w => BenchRows.Batches(w, 20 * options.BatchPoints, options.BatchPoints, options.Tags, mixed)).ToList();
                long peak = 0;
                using var sampling = new CancellationTokenSource();
                var sampler = Task.Run(async () =>
                {
                    while (!sampling.IsCancellationRequested)
                    {
                        peak = Math.Max(peak, ingest.RssBytes);
                        await Task.Delay(20, CancellationToken.None);
                    }
                }, CancellationToken.None);
                await WriteAllAsync(server, token!, $"bench-{tag}/rss", rssWorkload, cancellationToken);
                await sampling.CancelAsync();
                await sampler;
                result.Extra["rss_mb"] = Math.Round(peak / 1048576.0, 1);
                result.Extra["rss_writers"] = options.RssWriters;
            }

            return result;
        }
        finally
        {
            if (ingest is not null)
            {
                await ingest.DisposeAsync();
            }

            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }

            ScratchFolder.TryDelete(root);
        }
    }

    /// <summary>
    /// The VictoriaMetrics peer: the same scalar points, same number of concurrent posters, into a
    /// private VictoriaMetrics when its binary is installed; one line saying why when it is not run.
    /// </summary>
    private static async Task AddPeerAsync(BenchResult result, IngestBenchmarkOptions options, string root, string label, List<List<Batch>> workload, List<List<Batch>> warmup, bool mixed, CancellationToken cancellationToken)
    {
        if (mixed)
        {
            result.Extra["vm_peer"] = "skipped: the VictoriaMetrics peer takes scalar points only (--kind scalar)";
            return;
        }

        if (VictoriaMetricsServer.FindBinary() is not { } binary)
        {
            result.Extra["vm_peer"] = $"skipped: no {VictoriaMetricsServer.Executable} on PATH (Debian: apt-get install victoria-metrics)";
            return;
        }

        options.Log?.WriteLine($"Peer: VictoriaMetrics ({binary}), {options.Writers} concurrent posters of Influx line protocol");
        await using var vm = await VictoriaMetricsServer.StartAsync(binary, Path.Combine(root, "vm"), Path.Combine(root, "vm.log"), cancellationToken);
        var meter = new CpuMeter().Add("vm", () => vm.CpuSeconds).Add("vm_client", CpuMeter.OwnSeconds);
        await VictoriaMetricsPeer.MeasureAsync(vm, label + "-warmup", warmup, meter, cancellationToken);
        var (rate, cpu) = await VictoriaMetricsPeer.MeasureAsync(vm, label, workload, meter, cancellationToken);
        CpuMeter.Report(result, cpu, workload.Sum(w => BenchRows.PointCount(w)));
        result.Extra["vm_points_per_second"] = Math.Round(rate, 1);
        result.Extra["ingest_vs_vm"] = Math.Round(result.Value / rate, 4);
        result.Extra["vm_peer"] = VictoriaMetricsPeer.Durability;
    }

    private static async Task<long> ProjectIdAsync(NpgsqlDataSource db, CancellationToken cancellationToken) =>
        await new RunStore(db).EnsureProjectAsync("bench", cancellationToken);

    /// <summary>Every writer on its own connection and stream, sending without waiting for acks; seconds until the last ack.</summary>
    private static async Task<double> WriteAllAsync(Uri server, string token, string prefix, List<List<Batch>> writers, CancellationToken cancellationToken)
    {
        var headers = new Metadata { { "authorization", "Bearer " + token } };
        var channels = writers.Select(_ => GrpcChannel.ForAddress(server, new GrpcChannelOptions { MaxSendMessageSize = null })).ToList();
        try
        {
            var runs = new long[writers.Count];
            for (var w = 0; w < writers.Count; w++)
            {
                var client = new Metrics.Contracts.V1.Ingest.IngestClient(channels[w]);
                runs[w] = (await client.OpenRunAsync(new OpenRunRequest { RunName = $"{prefix}/w{w.ToString(CultureInfo.InvariantCulture)}", WriterId = "bench" }, headers, cancellationToken: cancellationToken)).RunId;
            }

            var watch = Stopwatch.StartNew();
            await Task.WhenAll(writers.Select((batches, w) => WriteOneAsync(new Metrics.Contracts.V1.Ingest.IngestClient(channels[w]), headers, runs[w], batches, cancellationToken)));
            return watch.Elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    private static async Task WriteOneAsync(Metrics.Contracts.V1.Ingest.IngestClient client, Metadata headers, long runId, List<Batch> batches, CancellationToken cancellationToken)
    {
        using var call = client.Write(headers, cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new WriteRequest { Header = new WriteHeader { RunId = runId, WriterId = "bench" } }, cancellationToken);
        var acks = Task.Run(async () =>
        {
            ulong last = 0;
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
                if (call.ResponseStream.Current.KindCase == WriteResponse.KindOneofCase.Ack)
                {
                    last = call.ResponseStream.Current.Ack.Seq;
                }
            }

            return last;
        }, cancellationToken);
        foreach (var batch in batches)
        {
            await call.RequestStream.WriteAsync(new WriteRequest { Batch = batch }, cancellationToken);
        }

        await call.RequestStream.CompleteAsync();
        var acked = await acks;
        if (acked != (ulong)batches.Count)
        {
            throw new InvalidOperationException($"run {runId}: {acked} of {batches.Count} batches acked ({call.GetStatus()})");
        }
    }
}
