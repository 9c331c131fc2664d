using System.CommandLine;
using System.CommandLine.Invocation;
using Metrics.Cli;
using Metrics.Cli.Bench;
using Metrics.Cli.Console;
using Metrics.Cli.Db;
using Metrics.Cli.Demo;
using Metrics.Cli.Logdir;
using Metrics.Cli.Tokens;
using Metrics.Cli.Up;
using Metrics.Cli.Upload;

var dataDir = CliOptions.DataDir();
var root = new RootCommand("Metrics: TensorBoard-compatible metrics ingestion for ML training.")
{
    dataDir,
    UpCommand.Create(),
    DbCommand.Create(),
    TokenCommand.Create(),
    BenchCommand.Create(),
    Metrics.Cli.Export.ExportCommand.Create(),
    UploadCommand.Create(),
    DemoCommand.Create(),
    LogdirCommand.Create(),
};

using var signals = new TerminationSignals();
var parse = root.Parse(args);
if (parse.GetValue(dataDir) is { Length: > 0 } folder)
{
    // One setting for every command and the processes it starts (`up`'s services, the demo).
    Environment.SetEnvironmentVariable("METRICS_DATA_DIR", Path.GetFullPath(folder));
}

var exitCode = await parse.InvokeAsync(new InvocationConfiguration(), signals.Token);

// A missing or malformed flag is a usage error: exit 2, as docs/client.md says (System.CommandLine returns 1).
return parse.Action is ParseErrorAction ? 2 : exitCode;
