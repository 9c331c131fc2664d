using System.CommandLine;
using Metrics.Cli.Console;

namespace Metrics.Dev.Demo;

/// <summary>`metrics demo`: a short real training job (examples/Training) against the local stack or a given server.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var server = new Option<string?>("--server") { Description = "Ingest gRPC URL (default: METRICS_SERVER, else the local stack of `metrics up`)." };
        var token = new Option<string?>("--token") { Description = "Write token (default: METRICS_TOKEN, else the local stack's)." };
        var project = new Option<string?>("--project") { Description = "Project the token must belong to (default: METRICS_PROJECT, else the local stack's)." };
        var steps = new Option<int>("--steps") { Description = "Training steps per model.", DefaultValueFactory = _ => DemoRunner.DefaultSteps };
        var connectTimeout = CliOptions.ConnectTimeout();
        var demo = new Command("demo", "Run a short real training job that logs scalars, histograms, images, text, a graph and hparams into the runs demo/neuron and demo/mlp (replacing the previous demo's points).")
        {
            server, token, project, steps, connectTimeout,
        };
        demo.SetAction(async (parse, cancellationToken) =>
        {
            var url = StackSettings.Resolve(parse.GetValue(server), "METRICS_SERVER", s => s.IngestUrl);
            var secret = StackSettings.Resolve(parse.GetValue(token), "METRICS_TOKEN", s => s.Token);
            if (url is null || secret is null)
            {
                await System.Console.Error.WriteLineAsync("metrics demo: give --server and --token (or METRICS_SERVER and METRICS_TOKEN, or run `metrics up` first).");
                return 2;
            }

            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                await System.Console.Error.WriteLineAsync($"metrics demo: --server must be an http:// or https:// URL, not '{url}'.");
                return 2;
            }

            var projectName = StackSettings.Resolve(parse.GetValue(project), "METRICS_PROJECT", s => s.Project);
            return await DemoRunner.RunAsync(
                uri, secret, projectName, Math.Max(1, parse.GetValue(steps)), System.Console.Out, System.Console.Error, cancellationToken,
                TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(connectTimeout))));
        });
        return demo;
    }
}
