using System.CommandLine;
using Metrics.Bench.Client;

namespace Metrics.Dev.Bench;

/// <summary>`metrics bench client [--points N] [--json]`: SummaryWriter.AddScalar ns per call beside an empty loop, and one writer's sustained points/s against a real ingest.</summary>
internal static class BenchClientCommand
{
    public static Command Create()
    {
        var points = new Option<int>("--points") { Description = "AddScalar calls to time.", DefaultValueFactory = _ => 5_000_000 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("client", "SDK overhead: AddScalar cost per call beside an empty loop, and sustained points/s of one writer.") { points, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var asJson = parse.GetValue(json);
            var result = await ClientBenchmark.RunAsync(parse.GetValue(points), asJson ? null : System.Console.Error, cancellationToken);
            System.Console.WriteLine(asJson ? result.ToJson() : result.ToText());
            return 0;
        });
        return command;
    }
}
