using System.CommandLine;
using Metrics.Bench.Soak;
using Metrics.LocalStack;

namespace Metrics.Dev.Bench;

/// <summary>
/// `metrics bench soak [--writers N] [--seconds S] [--faults | --ha] [--json]`: the long version of the
/// resilience suite's load and fault tests (docs/reliability.md). Exits 1 when any acknowledged
/// point was lost or duplicated, or a writer failed.
/// </summary>
internal static class BenchSoakCommand
{
    public static Command Create()
    {
        var writers = new Option<int>("--writers") { Description = "Concurrent writers.", DefaultValueFactory = _ => 200 };
        var seconds = new Option<int>("--seconds") { Description = "How long the writers write.", DefaultValueFactory = _ => 300 };
        var runs = new Option<int>("--runs") { Description = "Runs the writers share.", DefaultValueFactory = _ => 20 };
        var batchesPerSecond = new Option<double>("--batches-per-second") { Description = "Batches per second per writer (0: as fast as acks allow).", DefaultValueFactory = _ => 5 };
        var pointsPerBatch = new Option<int>("--points-per-batch") { Description = "Scalar points per batch.", DefaultValueFactory = _ => 50 };
        var faults = new Option<bool>("--faults") { Description = "Inject faults in turn: kill -9 of each of two ingest replicas and of the exporter, a PostgreSQL crash restart, cut connections." };
        var ha = new Option<bool>("--ha") { Description = "Run on a Patroni cluster (two PostgreSQL servers, synchronous replication) and kill -9 its primary halfway: adds failover time, longest ack stall, failed queries." };
        var faultInterval = new Option<int>("--fault-interval") { Description = "Seconds between faults.", DefaultValueFactory = _ => 15 };
        var database = new Option<string?>("--database-url") { Description = "An empty database to use instead of a private PostgreSQL (no restart fault then)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("soak", "Writers for minutes (optionally under faults): acknowledged points stored and exported exactly once, ingest RSS, ack and query latency.")
        {
            writers, seconds, runs, batchesPerSecond, pointsPerBatch, faults, ha, faultInterval, database, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new SoakSettings
            {
                Writers = parse.GetValue(writers),
                Duration = TimeSpan.FromSeconds(parse.GetValue(seconds)),
                Runs = parse.GetValue(runs),
                BatchesPerSecond = parse.GetValue(batchesPerSecond),
                PointsPerBatch = parse.GetValue(pointsPerBatch),
                FaultInterval = TimeSpan.FromSeconds(parse.GetValue(faultInterval)),
            };
            var asJson = parse.GetValue(json);
            if (parse.GetValue(ha) && (parse.GetValue(faults) || parse.GetValue(database) is not null))
            {
                System.Console.Error.WriteLine("--ha starts its own cluster and injects its own fault: it cannot be combined with --faults or --database-url.");
                return 2;
            }

            var (result, report) = parse.GetValue(ha)
                ? await SoakBenchmark.RunHighAvailabilityAsync(settings, ServiceBinaries.Service, System.Console.Error, cancellationToken)
                : await SoakBenchmark.RunAsync(settings, parse.GetValue(faults), parse.GetValue(database), ServiceBinaries.Service, System.Console.Error, cancellationToken);
            System.Console.Error.WriteLine(report.ToString());
            System.Console.WriteLine(asJson ? result.ToJson() : result.ToText());
            return report.Database.Exact && report.Logdir?.Exact != false && report.WriterFaults.Count == 0 ? 0 : 1;
        });
        return command;
    }
}
