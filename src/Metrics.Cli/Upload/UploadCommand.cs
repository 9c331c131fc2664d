using System.CommandLine;
using System.Globalization;
using Metrics.Cli.Console;

namespace Metrics.Cli.Upload;

/// <summary>`metrics upload --server URL --token T --project P --logdir DIR [--watch]`: streams a TensorBoard logdir of any framework.</summary>
internal static class UploadCommand
{
    public static Command Create()
    {
        var server = new Option<string?>("--server") { Description = "Ingest gRPC URL (default: METRICS_SERVER, else the local stack of `metrics up`)." };
        var token = new Option<string?>("--token") { Description = "Write token (default: METRICS_TOKEN, else the local stack's)." };
        var project = new Option<string?>("--project") { Description = "Project of the token (default: METRICS_PROJECT, else the local stack's); a mismatch fails." };
        var logdir = new Option<string>("--logdir") { Description = "TensorBoard logdir: every folder under it holding tfevents files is a run.", Required = true };
        var watch = new Option<bool>("--watch") { Description = "Keep uploading new data, files and runs until Ctrl-C." };
        var stateFile = new Option<string?>("--state-file") { Description = "Where progress is remembered (default: ~/.cache/metrics/upload/<logdir, server, project>.json)." };
        var poll = new Option<double>("--poll-seconds") { Description = "With --watch, seconds between scans of the logdir.", DefaultValueFactory = _ => 2 };
        var connectTimeout = CliOptions.ConnectTimeout();
        var upload = new Command("upload", "Upload a TensorBoard logdir (event files of any framework) to Metrics.")
        {
            server, token, project, logdir, watch, stateFile, poll, connectTimeout,
        };
        upload.SetAction(async (parse, cancellationToken) =>
        {
            var connection = await ServiceConnection.ResolveAsync(
                "upload", ("--server", "METRICS_SERVER", parse.GetValue(server), s => s.IngestUrl), parse.GetValue(token), parse.GetValue(project), System.Console.Error);
            if (connection is null)
            {
                return 2;
            }

            var (serverUri, secret, projectName) = connection;
            var url = serverUri.OriginalString;
            var dir = parse.GetValue(logdir)!;
            if (!Directory.Exists(dir))
            {
                await System.Console.Error.WriteLineAsync("metrics upload: logdir not found: " + dir);
                return 2;
            }

            var settings = new UploadSettings(
                serverUri, secret, projectName, dir, parse.GetValue(watch),
                parse.GetValue(stateFile) ?? UploadState.DefaultPath(dir, url, projectName),
                TimeSpan.FromSeconds(Math.Max(0.05, parse.GetValue(poll))),
                TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(connectTimeout))));
            var progress = new UploadProgress(System.Console.Out, System.Console.Error, interactive: !System.Console.IsOutputRedirected);
            progress.Message(string.Create(CultureInfo.InvariantCulture, $"Uploading {Path.GetFullPath(dir)} to {url} (project {projectName}){(settings.Watch ? ", watching" : string.Empty)}"));
            return await new LogdirUploader(settings, progress, TimeProvider.System).RunAsync(cancellationToken);
        });
        return upload;
    }
}
