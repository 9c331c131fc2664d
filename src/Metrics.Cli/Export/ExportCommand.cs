using System.CommandLine;
using Metrics.Cli.Console;

namespace Metrics.Cli.Export;

/// <summary>
/// `metrics export --query URL --token T --project P [--run R] --out DIR`: a one-off TensorBoard
/// logdir of a project (or one run) through the query API (flags fall back to METRICS_QUERY,
/// METRICS_TOKEN, METRICS_PROJECT, then to the local stack of `metrics up`). Point TensorBoard at DIR.
/// Exit codes: 0 written, 1 refused or failed (nothing written), 2 usage.
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var query = new Option<string?>("--query") { Description = "Query service URL (default: METRICS_QUERY, else the local stack of `metrics up`)." };
        var token = new Option<string?>("--token") { Description = "A read token of the project (default: METRICS_TOKEN, else the local stack's)." };
        var project = new Option<string?>("--project") { Description = "The project (default: METRICS_PROJECT, else the local stack's)." };
        var run = new Option<string?>("--run") { Description = "Only this run (its full name)." };
        var output = new Option<string>("--out")
        {
            Description = "The logdir to write: a new or empty folder, or an earlier export of the same project (its runs are replaced).",
            Required = true,
        };
        var command = new Command("export", "Write a one-off TensorBoard logdir of a project or run, through the query API.") { query, token, project, run, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var url = StackSettings.Resolve(parse.GetValue(query), "METRICS_QUERY", s => s.QueryUrl);
            var bearer = StackSettings.Resolve(parse.GetValue(token), "METRICS_TOKEN", s => s.Token);
            var name = StackSettings.Resolve(parse.GetValue(project), "METRICS_PROJECT", s => s.Project);
            if (url is null || bearer is null || name is null)
            {
                await System.Console.Error.WriteLineAsync("metrics export: give --query, --token and --project (or METRICS_QUERY, METRICS_TOKEN, METRICS_PROJECT, or run `metrics up` first).");
                return 2;
            }

            if (!Uri.TryCreate(url, UriKind.Absolute, out var queryUri) || queryUri.Scheme is not ("http" or "https"))
            {
                await System.Console.Error.WriteLineAsync("metrics export: --query must be an http:// or https:// URL, not '" + url + "'.");
                return 2;
            }

            var folder = parse.GetValue(output)!;
            try
            {
                // A base without a trailing slash would lose its last segment when api/v1/… is resolved against it.
                using var client = new LogdirDownloader(new Uri(queryUri.AbsoluteUri.TrimEnd('/') + "/"), bearer);
                var runs = await client.ExportAsync(name, parse.GetValue(run), folder, cancellationToken);
                System.Console.WriteLine($"exported {runs} run(s) of {name} to {Path.GetFullPath(folder)}");
                return 0;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or UnauthorizedAccessException)
            {
                await System.Console.Error.WriteLineAsync("metrics export: " + e.Message);
                return 1;
            }
        });
        return command;
    }
}
