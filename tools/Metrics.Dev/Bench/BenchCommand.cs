using System.CommandLine;

namespace Metrics.Dev.Bench;

/// <summary>
/// `metrics bench ingest|storage|query|tensorboard|export|client|events|soak`: each prints its figure beside a baseline
/// measured in the same run (`--json`: one object {name, value, baseline, ratio, unit, ...}).
/// Each subcommand lives in its own file here and is listed below.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks, each beside a baseline measured in the same run.");
        foreach (var command in Subcommands())
        {
            bench.Subcommands.Add(command);
        }

        return bench;
    }

    private static IEnumerable<Command> Subcommands() => [BenchEventsCommand.Create(), BenchExportCommand.Create(), BenchQueryCommand.Create(), BenchTensorBoardCommand.Create(), BenchIngestCommand.Create(), BenchStorageCommand.Create(), BenchClientCommand.Create(), BenchSoakCommand.Create()];
}
