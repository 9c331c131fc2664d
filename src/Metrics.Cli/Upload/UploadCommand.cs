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
        var upload = new Command("upload", "Upload a TensorBoard logdir (event files of any framework) to Metrics.")
        {
            server, token, project, logdir, watch, stateFile, poll,
        };
        upload.SetAction(async (parse, cancellationToken) =>
        {
            var url = StackSettings.Resolve(parse.GetValue(server), "METRICS_SERVER", s => s.IngestUrl);
            var secret = StackSettings.Resolve(parse.GetValue(token), "METRICS_TOKEN", s => s.Token);
            var projectName = StackSettings.Resolve(parse.GetValue(project), "METRICS_PROJECT", s => s.Project);
            if (url is null || secret is null || projectName is null)
            {
                await System.Console.Error.WriteLineAsync("metrics upload: give --server, --token and --project (or METRICS_SERVER, METRICS_TOKEN, METRICS_PROJECT, or run `metrics up` first).");
                return 2;
            }

            if (!Uri.TryCreate(url, UriKind.Absolute, out var serverUri) || serverUri.Scheme is not ("http" or "https"))
            {
                await System.Console.Error.WriteLineAsync("metrics upload: --server must be an http:// or https:// URL, not '" + url + "'.");
                return 2;
            }

            var dir = parse.GetValue(logdir)!;
            if (!Directory.Exists(dir))
            {
                await System.Console.Error.WriteLineAsync("metrics upload: logdir not found: " + dir);
                return 2;
            }

            var settings = new UploadSettings(
                serverUri, secret, projectName, dir, parse.GetValue(watch),
                parse.GetValue(stateFile) ?? UploadState.DefaultPath(dir, url, projectName),
                TimeSpan.FromSeconds(Math.Max(0.05, parse.GetValue(poll))));
            var progress = new UploadProgress(System.Console.Out, interactive: !System.Console.IsOutputRedirected);
            progress.Message(string.Create(CultureInfo.InvariantCulture, $"Uploading {Path.GetFullPath(dir)} to {url} (project {projectName}){(settings.Watch ? ", watching" : string.Empty)}"));
            return await new LogdirUploader(settings, progress).RunAsync(cancellationToken);
        });
        return upload;
    }
}
