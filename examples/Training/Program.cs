using Metrics.Examples.Training;

// A real training job logging through the Metrics SDK. Online:
//   dotnet run --project examples/Training -- --server http://127.0.0.1:50051 --token <token>
// (or METRICS_SERVER / METRICS_TOKEN); offline (TensorBoard event files): --logdir <dir>.
var options = Arguments.Parse(args);
if (options is null)
{
    await Console.Error.WriteLineAsync("usage: Metrics.Examples.Training [--server URL --token T [--project P] | --logdir DIR] [--run PREFIX] [--steps N]");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
var report = await TrainingJob.RunAsync(options, Console.Out, stop.Token);
return report.Complete ? 0 : 1;
