using Metrics.Cli.Console;
using Metrics.Client;
using Metrics.Examples.Training;
using Microsoft.Extensions.Logging.Abstractions;

namespace Metrics.Dev.Demo;

/// <summary>
/// Runs a short version of examples/Training against an ingest service (used by `metrics demo` and
/// `metrics up`). The runs are always <c>demo/neuron</c> and <c>demo/mlp</c>, trained again from step
/// 0 (a restart at step 0), so repeated demos and `up`s keep one pair of demo runs. A
/// <see cref="ConnectionWatch"/> reports an unreachable server at once and gives up after the connect timeout.
/// </summary>
internal static class DemoRunner
{
    public const int DefaultSteps = 200;
    public const string RunPrefix = "demo";

    public static async Task<int> RunAsync(Uri server, string token, string? project, int steps, TextWriter output, TextWriter error, CancellationToken cancellationToken, TimeSpan? connectTimeout = null)
    {
        await output.WriteLineAsync($"Demo: training a sigmoid neuron and an MLP for {steps} steps each, logging to {server.OriginalString} as runs {RunPrefix}/neuron and {RunPrefix}/mlp (replacing the previous demo's points) ...");
        var watch = new ConnectionWatch("demo", server, connectTimeout ?? TimeSpan.FromSeconds(30), TimeProvider.System, line => error.WriteLine(line));
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopWatching = new CancellationTokenSource();
        var watching = watch.RunAsync(giveUp, stopWatching.Token);
        // A journal of this demo only: what an unreachable server left behind is not sent later by anyone.
        var journal = Path.Combine(Path.GetTempPath(), "metrics-demo-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var report = await TrainingJob.RunAsync(
                new TrainingOptions
                {
                    Server = server,
                    Token = token,
                    Project = project,
                    RunPrefix = RunPrefix,
                    ReplaceRuns = true,
                    NeuronSteps = steps,
                    MlpSteps = steps,
                    DetailEvery = Math.Max(1, steps / 10),
                    LoggerFactory = NullLoggerFactory.Instance,
                    JournalDirectory = journal,
                    WriterCreated = watch.Add,
                },
                output,
                giveUp.Token);
            if (!report.Complete)
            {
                await error.WriteLineAsync($"metrics demo: the ingest service at {server.OriginalString} did not acknowledge everything in time" + (watch.LastError is { } last ? $" (last error: {last})." : "."));
            }

            return report.Complete ? 0 : 1;
        }
        catch (OperationCanceledException) when (watch.GaveUp)
        {
            await error.WriteLineAsync(watch.GiveUpMessage);
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("metrics demo: interrupted.");
            return 130;
        }
        catch (SummaryWriterException e)
        {
            await error.WriteLineAsync("metrics demo: " + e.Message);
            return 1;
        }
        finally
        {
            await stopWatching.CancelAsync();
            await watching;
            if (Directory.Exists(journal))
            {
                Directory.Delete(journal, recursive: true);
            }
        }
    }
}
