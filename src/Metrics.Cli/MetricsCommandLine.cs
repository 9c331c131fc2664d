using System.CommandLine;
using System.CommandLine.Invocation;
using Metrics.Cli.Console;
using Metrics.Cli.Db;
using Metrics.Cli.Export;
using Metrics.Cli.Logdir;
using Metrics.Cli.Tokens;
using Metrics.Cli.Upload;

namespace Metrics.Cli;

/// <summary>
/// The `metrics` command line: the shipped commands, to which the development tool in a checkout
/// (tools/Metrics.Dev: `up`, `demo`, `bench`) adds its own.
/// </summary>
public static class MetricsCommandLine
{
    /// <summary>Parses <paramref name="args"/> and runs the command, with SIGINT/SIGTERM cancelling it.</summary>
    /// <returns>The process exit code: 2 for a usage error, as docs/client.md says.</returns>
    public static async Task<int> RunAsync(string[] args, params Command[] developmentCommands)
    {
        var dataDir = CliOptions.DataDir();
        var root = new RootCommand("Metrics: TensorBoard-compatible metrics ingestion for ML training.")
        {
            dataDir,
            DbCommand.Create(),
            TokenCommand.Create(),
            ExportCommand.Create(),
            UploadCommand.Create(),
            LogdirCommand.Create(),
        };
        foreach (var command in developmentCommands)
        {
            root.Subcommands.Add(command);
        }

        using var signals = new TerminationSignals();
        var parse = root.Parse(args);
        if (parse.GetValue(dataDir) is { Length: > 0 } folder)
        {
            // One setting for every command and the processes it starts (`up`'s services, the demo).
            Environment.SetEnvironmentVariable("METRICS_DATA_DIR", Path.GetFullPath(folder));
        }

        var exitCode = await parse.InvokeAsync(new InvocationConfiguration(), signals.Token);

        // A missing or malformed flag is a usage error: exit 2 (System.CommandLine returns 1).
        return parse.Action is ParseErrorAction ? 2 : exitCode;
    }
}
