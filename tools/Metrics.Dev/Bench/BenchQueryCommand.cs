using System.CommandLine;
using Metrics.Bench.Query;

namespace Metrics.Dev.Bench;

/// <summary>`metrics bench query [--points N] [--readers N] [--requests N] [--standby] [--json]`: p99 of 1000-point downsampled reads beside the full read.</summary>
internal static class BenchQueryCommand
{
    public static Command Create()
    {
        var points = new Option<int>("--points") { Description = "Points of the long scalar series.", DefaultValueFactory = _ => 1_000_000 };
        var readers = new Option<int>("--readers") { Description = "Concurrent HTTP readers.", DefaultValueFactory = _ => 8 };
        var requests = new Option<int>("--requests") { Description = "Downsampled reads per reader.", DefaultValueFactory = _ => 250 };
        var standby = new Option<bool>("--standby") { Description = "Also measure read throughput spread over the primary and a streaming standby, beside the primary alone." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("query", "Query latency: p50/p99 of 1000-point downsampled reads of a 1M-point series with 8 readers, beside the full read.")
        {
            points, readers, requests, standby, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var asJson = parse.GetValue(json);
            var result = await QueryBenchmark.RunAsync(
                new QueryBenchmarkOptions
                {
                    Points = parse.GetValue(points),
                    Readers = parse.GetValue(readers),
                    RequestsPerReader = parse.GetValue(requests),
                    Standby = parse.GetValue(standby),
                    Log = asJson ? null : System.Console.Error,
                },
                cancellationToken);
            System.Console.WriteLine(asJson ? result.ToJson() : result.ToText());
            return 0;
        });
        return command;
    }
}
