using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Metrics.Bench.Ingest;
using Metrics.Client;
using Metrics.LocalStack;
using Metrics.Storage;
using Npgsql;

namespace Metrics.Bench.Client;

/// <summary>
/// `metrics bench client`: what <see cref="SummaryWriter.AddScalar"/> costs the training loop (ns
/// per call, amortised, the background sender running) beside an empty loop's iteration with the
/// same arguments, and the sustained end-to-end rate of one writer (points/s until every batch is
/// acknowledged as committed). Self-contained: a private PostgreSQL and the ingest service as a child process.
/// </summary>
public static class ClientBenchmark
{
    public static async Task<BenchResult> RunAsync(int points, TextWriter? log, CancellationToken cancellationToken)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "metrics-bench-client-" + Guid.NewGuid().ToString("N"));
        var journal = Path.Combine(dataDir, "journal");
        try
        {
            log?.WriteLine($"Starting PostgreSQL in {dataDir}");
            await using var postgres = await LocalPostgres.StartAsync(Path.Combine(dataDir, "pg"), port: null, durable: false, log: log, cancellationToken);
            await using (var admin = MetricsDataSource.Create(postgres.Url(), applicationName: "metrics-bench"))
            await using (var create = admin.CreateCommand("CREATE DATABASE bench"))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            var url = postgres.Url("bench");
            await using var dataSource = MetricsDataSource.Create(url, applicationName: "metrics-bench");
            await new SchemaMigrator(dataSource).MigrateAsync(cancellationToken);
            var pepper = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            var token = await new TokenStore(dataSource, Microsoft.Extensions.Options.Options.Create(new TokenOptions { Pepper = pepper }), TimeProvider.System)
                .CreateAsync("bench", TokenScope.Write, "bench client", null, cancellationToken);
            var ingest = await BenchIngest.StartAsync(url, pepper, Path.Combine(dataDir, "ingest.log"), cancellationToken);
            await using (ingest)
            {
                var address = ingest.Endpoint("grpc");
                var emptyNs = EmptyLoopNs(points);
                SummaryWriterOptions Options(string run) => new() { Server = address, Token = token, RunName = run, JournalDirectory = journal, MaxQueue = 1000 };

                // Warm-up: JIT, connection, run and series creation.
                await using (var warm = new SummaryWriter(Options("bench/warmup")))
                {
                    WriteScalars(warm, 200_000);
                    await warm.FlushAsync(cancellationToken);
                }

                // The append path alone: a buffer that is not cut while timed (the sender idle).
                double appendNs;
                await using (var idle = new SummaryWriter(new SummaryWriterOptions { Server = address, Token = token, RunName = "bench/append", JournalDirectory = journal, MaxQueue = int.MaxValue, MaxBatchPoints = int.MaxValue, MaxBatchBytes = int.MaxValue, FlushInterval = Timeout.InfiniteTimeSpan }))
                {
                    var count = Math.Min(points, 500_000);
                    WriteScalars(idle, count / 4);
                    var appendWatch = Stopwatch.StartNew();
                    WriteScalars(idle, count);
                    appendNs = appendWatch.Elapsed.TotalSeconds * 1e9 / count;
                }

                await using var writer = new SummaryWriter(Options("bench/client"));
                var watch = Stopwatch.StartNew();
                WriteScalars(writer, points);
                var addSeconds = watch.Elapsed.TotalSeconds;
                await writer.FlushAsync(cancellationToken);
                var totalSeconds = watch.Elapsed.TotalSeconds;
                var statistics = writer.Statistics;
                var stored = await CountAsync(dataSource, cancellationToken);
                log?.WriteLine($"{points:N0} AddScalar calls in {addSeconds:N2} s; all acknowledged after {totalSeconds:N2} s; {stored:N0} rows stored");
                return new BenchResult("client AddScalar cost per call", addSeconds * 1e9 / points, emptyNs, "ns", "empty loop iteration")
                {
                    Extra =
                    {
                        ["points"] = points,
                        ["append_only_ns_per_call"] = Math.Round(appendNs, 1),
                        ["sustained_points_per_second"] = Math.Round(points / totalSeconds),
                        ["add_calls_per_second"] = Math.Round(points / addSeconds),
                        ["batches"] = statistics.LastAcknowledged,
                        ["batches_spilled_to_journal"] = statistics.BatchesSpilled,
                        ["peak_unacked_memory_mb"] = Math.Round(statistics.PeakMemoryBytes / 1048576.0, 1),
                        ["rows_stored"] = stored,
                    },
                };
            }
        }
        finally
        {
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }

    private static void WriteScalars(SummaryWriter writer, int points)
    {
        for (var step = 0; step < points; step++)
        {
            writer.AddScalar("loss", step * 0.001, step);
        }
    }

    private static double EmptyLoopNs(int points)
    {
        var sink = new Sink();
        for (var round = 0; round < 2; round++)
        {
            for (var step = 0; step < points; step++)
            {
                sink.Take("loss", step * 0.001, step);
            }
        }

        var watch = Stopwatch.StartNew();
        for (var step = 0; step < points; step++)
        {
            sink.Take("loss", step * 0.001, step);
        }

        return watch.Elapsed.TotalSeconds * 1e9 / points;
    }

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT COALESCE(sum(c.point_count), 0) FROM all_scalar_chunks c JOIN series s USING (series_id) JOIN runs r USING (run_id) WHERE r.name = 'bench/client'");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private sealed class Sink
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Take(string tag, double value, long step)
        {
        }
    }
}
