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
            var connection = await ServiceConnection.ResolveAsync(
                "export", ("--query", "METRICS_QUERY", parse.GetValue(query), s => s.QueryUrl), parse.GetValue(token), parse.GetValue(project), System.Console.Error);
            if (connection is null)
            {
                return 2;
            }

            var (queryUri, bearer, name) = connection;
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
