using System.CommandLine;
using Metrics.Export;

namespace Metrics.Cli.Export;

/// <summary>
/// `metrics export --query URL --token T --project P [--run R] --out DIR`: a one-off TensorBoard
/// logdir of a project (or one run) through the query API (flags fall back to METRICS_QUERY,
/// METRICS_TOKEN, METRICS_PROJECT). Point TensorBoard at DIR.
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var query = new Option<string?>("--query") { Description = "Query service URL (default: METRICS_QUERY)." };
        var token = new Option<string?>("--token") { Description = "A read token of the project (default: METRICS_TOKEN)." };
        var project = new Option<string?>("--project") { Description = "The project (default: METRICS_PROJECT)." };
        var run = new Option<string?>("--run") { Description = "Only this run (its full name)." };
        var output = new Option<string>("--out") { Description = "The logdir to write (created if missing).", Required = true };
        var command = new Command("export", "Write a one-off TensorBoard logdir of a project or run, through the query API.") { query, token, project, run, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var url = parse.GetValue(query) ?? Environment.GetEnvironmentVariable("METRICS_QUERY");
            var bearer = parse.GetValue(token) ?? Environment.GetEnvironmentVariable("METRICS_TOKEN");
            var name = parse.GetValue(project) ?? Environment.GetEnvironmentVariable("METRICS_PROJECT");
            if (string.IsNullOrEmpty(url) || string.IsNullOrEmpty(bearer) || string.IsNullOrEmpty(name))
            {
                await System.Console.Error.WriteLineAsync("metrics export: give --query, --token and --project (or METRICS_QUERY, METRICS_TOKEN, METRICS_PROJECT).");
                return 2;
            }

            try
            {
                using var client = new LogdirDownloader(new Uri(url), bearer);
                var runs = await client.ExportAsync(name, parse.GetValue(run), parse.GetValue(output)!, cancellationToken);
                System.Console.WriteLine($"exported {runs} run(s) of {name} to {Path.GetFullPath(parse.GetValue(output)!)}");
                return 0;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or UnsafeLogdirPathException or InvalidDataException or System.Text.Json.JsonException or UriFormatException)
            {
                await System.Console.Error.WriteLineAsync("metrics export: " + e.Message);
                return 1;
            }
        });
        return command;
    }
}
