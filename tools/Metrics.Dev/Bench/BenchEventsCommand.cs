using System.CommandLine;
using Metrics.Bench.Events;

namespace Metrics.Dev.Bench;

/// <summary>`metrics bench events [--events N] [--json]`: scalar events written/read per second beside a raw byte copy.</summary>
internal static class BenchEventsCommand
{
    public static Command Create()
    {
        var events = new Option<int>("--events") { Description = "Scalar events to write and read.", DefaultValueFactory = _ => 2_000_000 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("events", "Event-file write and read throughput (scalar events/s) beside a raw copy of the same bytes.") { events, json };
        command.SetAction(parse =>
        {
            var result = EventsBenchmark.Run(parse.GetValue(events));
            System.Console.WriteLine(parse.GetValue(json) ? result.ToJson() : result.ToText());
            return 0;
        });
        return command;
    }
}
