using System.Globalization;
using Metrics.Client;
using Metrics.Examples.Training;

namespace Metrics.Cli.Demo;

/// <summary>Runs a short version of examples/Training against an ingest service (used by `metrics demo` and `metrics up`).</summary>
internal static class DemoRunner
{
    public const int DefaultSteps = 200;

    public static async Task<int> RunAsync(Uri server, string token, string? project, int steps, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var prefix = "demo/" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        await output.WriteLineAsync($"Demo: training a sigmoid neuron and an MLP for {steps} steps each, logging to {server} as runs {prefix}/neuron and {prefix}/mlp ...");
        try
        {
            var report = await TrainingJob.RunAsync(
                new TrainingOptions { Server = server, Token = token, Project = project, RunPrefix = prefix, NeuronSteps = steps, MlpSteps = steps, DetailEvery = Math.Max(1, steps / 10) },
                output,
                cancellationToken);
            return report.Complete ? 0 : 1;
        }
        catch (SummaryWriterException e)
        {
            await error.WriteLineAsync("metrics demo: " + e.Message);
            return 1;
        }
    }
}
