using System.CommandLine;
using Metrics.Cli.Console;

namespace Metrics.Dev.Up;

/// <summary>`metrics up`: the whole stack on a private PostgreSQL, until Ctrl-C or SIGTERM.</summary>
internal static class UpCommand
{
    public static Command Create()
    {
        var noDemo = new Option<bool>("--no-demo") { Description = "Do not run the demo training job once the stack is up." };
        var logdir = new Option<string?>("--logdir") { Description = "TensorBoard logdir the exporter keeps (default: <data-dir>/logdir)." };
        var ingestPort = new Option<int>("--ingest-port") { Description = "gRPC port of the ingest service (0: a free one, printed).", DefaultValueFactory = _ => 50051 };
        var queryPort = new Option<int>("--query-port") { Description = "HTTP port of the query API (0: a free one, printed).", DefaultValueFactory = _ => 8080 };
        var tensorBoardPort = new Option<int>("--tensorboard-port") { Description = "gRPC port of TensorBoard's data provider (tensorboard --grpc_data_provider; 0: a free one, printed).", DefaultValueFactory = _ => 6806 };
        var pgPort = new Option<int?>("--postgres-port") { Description = "Port of the private PostgreSQL (default: a free one)." };
        var exitWhenReady = new Option<bool>("--exit-when-ready") { Description = "Stop everything once the stack is healthy (for scripts and tests)." };
        foreach (var port in new[] { ingestPort, queryPort, tensorBoardPort })
        {
            port.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<int>() is < 0 or > 65535)
                {
                    r.AddError($"{r.Option.Name} must be a port number between 1 and 65535 (or 0 for a free one).");
                }
            });
        }

        var up = new Command("up", "Start PostgreSQL, ingest, query and exporter locally; Ctrl-C stops them and keeps the data.")
        {
            noDemo, logdir, ingestPort, queryPort, tensorBoardPort, pgPort, exitWhenReady,
        };
        up.SetAction(async (parse, cancellationToken) =>
        {
            // --data-dir is the root command's (every command finds the stack through it).
            var dir = StackSettings.DefaultDataDir;
            var settings = new LocalStackSettings(
                DataDir: dir,
                Logdir: Path.GetFullPath(parse.GetValue(logdir) ?? Path.Combine(dir, "logdir")),
                IngestPort: parse.GetValue(ingestPort),
                QueryPort: parse.GetValue(queryPort),
                PostgresPort: parse.GetValue(pgPort),
                RunDemo: !parse.GetValue(noDemo),
                ExitWhenReady: parse.GetValue(exitWhenReady))
            {
                TensorBoardPort = parse.GetValue(tensorBoardPort),
            };
            return await new LocalStack(settings, System.Console.Out, System.Console.Error).RunAsync(cancellationToken);
        });
        return up;
    }
}
