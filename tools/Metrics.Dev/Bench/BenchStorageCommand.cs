using System.CommandLine;
using Metrics.Bench.Storage;

namespace Metrics.Dev.Bench;

/// <summary>
/// `metrics bench storage [--points N] [--runs R] [--flush-seconds S] [--compact-every F] [--database-url URL] [--json]`:
/// bytes a scalar point takes on disk in PostgreSQL (heap, indexes, TOAST) for realistic training
/// curves written through the real write path, beside the same points as TensorBoard event files.
/// </summary>
internal static class BenchStorageCommand
{
    public static Command Create()
    {
        var points = new Option<int>("--points") { Description = "Scalar points in total, shared equally by the curve kinds.", DefaultValueFactory = _ => 2_000_000 };
        var runs = new Option<int>("--runs") { Description = "Runs per curve kind.", DefaultValueFactory = _ => 8 };
        var flush = new Option<double>("--flush-seconds") { Description = "Seconds of run time between two SDK flushes (a batch per run each).", DefaultValueFactory = _ => 1.0 };
        var compactEvery = new Option<int>("--compact-every") { Description = "Flushes between two compaction passes (each followed by a VACUUM) while writing; 0: none until the end.", DefaultValueFactory = _ => 64 };
        var database = new Option<string?>("--database-url") { Description = "A PostgreSQL server whose role may CREATE DATABASE (a database per curve kind, dropped at the end); a private PostgreSQL when omitted." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("storage", "Bytes per scalar point on disk (heap + indexes + TOAST, after compaction and VACUUM) for realistic curves, beside the same points as TensorBoard event files.")
        {
            points, runs, flush, compactEvery, database, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var asJson = parse.GetValue(json);
            var result = await StorageBenchmark.RunAsync(
                new StorageBenchmarkOptions
                {
                    Points = parse.GetValue(points),
                    Runs = parse.GetValue(runs),
                    FlushSeconds = parse.GetValue(flush),
                    CompactEveryFlushes = parse.GetValue(compactEvery),
                    DatabaseUrl = parse.GetValue(database),
                    Log = asJson ? null : System.Console.Error,
                },
                cancellationToken);
            System.Console.WriteLine(asJson ? result.ToJson() : result.ToText());
            return 0;
        });
        return command;
    }
}
