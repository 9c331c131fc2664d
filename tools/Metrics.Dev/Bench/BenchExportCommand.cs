using System.CommandLine;
using Metrics.Bench.Export;

namespace Metrics.Dev.Bench;

/// <summary>`metrics bench export [--events N] [--json]`: scalar events/s written by the exporter's writer beside a raw write of the same bytes.</summary>
internal static class BenchExportCommand
{
    public static Command Create()
    {
        var events = new Option<int>("--events") { Description = "Scalar events to write.", DefaultValueFactory = _ => 4_000_000 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("export", "Exporter write throughput (scalar events/s to disk, fsynced) beside writing the same bytes pre-encoded.") { events, json };
        command.SetAction(parse =>
        {
            var result = ExportBenchmark.Run(parse.GetValue(events));
            System.Console.WriteLine(parse.GetValue(json) ? result.ToJson() : result.ToText());
            return 0;
        });
        return command;
    }
}
