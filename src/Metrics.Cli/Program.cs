using System.CommandLine;
using Metrics.Cli;
using Metrics.Cli.Bench;
using Metrics.Cli.Db;
using Metrics.Cli.Demo;
using Metrics.Cli.Logdir;
using Metrics.Cli.Tokens;
using Metrics.Cli.Up;
using Metrics.Cli.Upload;

var root = new RootCommand("Metrics: TensorBoard-compatible metrics ingestion for ML training.")
{
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
return await root.Parse(args).InvokeAsync(new InvocationConfiguration(), signals.Token);
