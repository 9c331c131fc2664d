using System.CommandLine;
using Metrics.Bench.TensorBoard;

namespace Metrics.Dev.Bench;

/// <summary>`metrics bench tensorboard [--points N] [--runs N] [--readers N] [--requests N] [--json]`: TensorBoard's ReadScalars p99 beside the REST read.</summary>
internal static class BenchTensorBoardCommand
{
    public static Command Create()
    {
        var points = new Option<int>("--points") { Description = "Points of the long scalar series.", DefaultValueFactory = _ => 1_000_000 };
        var runs = new Option<int>("--runs") { Description = "Runs (of 10 tags each) that ListScalars lists.", DefaultValueFactory = _ => 1000 };
        var readers = new Option<int>("--readers") { Description = "Concurrent gRPC readers (one channel each).", DefaultValueFactory = _ => 8 };
        var requests = new Option<int>("--requests") { Description = "ReadScalars calls per reader.", DefaultValueFactory = _ => 250 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("tensorboard", "TensorBoard's data provider: ReadScalars p99 (1M points to 1,000, 8 readers) beside the REST read, and ListScalars of 1,000 runs × 10 tags.")
        {
            points, runs, readers, requests, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var asJson = parse.GetValue(json);
            var result = await TensorBoardBenchmark.RunAsync(
                new TensorBoardBenchmarkOptions
                {
                    Points = parse.GetValue(points),
                    Runs = parse.GetValue(runs),
                    Readers = parse.GetValue(readers),
                    RequestsPerReader = parse.GetValue(requests),
                    Log = asJson ? null : System.Console.Error,
                },
                cancellationToken);
            System.Console.WriteLine(asJson ? result.ToJson() : result.ToText());
            return 0;
        });
        return command;
    }
}
