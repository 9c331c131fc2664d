using System.Globalization;

namespace Metrics.Examples.Training;

/// <summary>The example's few command-line flags (with METRICS_SERVER, METRICS_TOKEN, METRICS_PROJECT as defaults).</summary>
internal static class Arguments
{
    public static TrainingOptions? Parse(string[] args)
    {
        string? Flag(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }

        var server = Flag("--server") ?? Environment.GetEnvironmentVariable("METRICS_SERVER");
        var logdir = Flag("--logdir");
        if (string.IsNullOrEmpty(server) && string.IsNullOrEmpty(logdir))
        {
            return null;
        }

        var options = new TrainingOptions
        {
            Server = string.IsNullOrEmpty(server) ? null : new Uri(server),
            Token = Flag("--token") ?? Environment.GetEnvironmentVariable("METRICS_TOKEN"),
            Project = Flag("--project") ?? Environment.GetEnvironmentVariable("METRICS_PROJECT"),
            LogDirectory = logdir,
        };
        if (Flag("--run") is { } prefix)
        {
            options = options with { RunPrefix = prefix };
        }

        if (Flag("--steps") is { } steps)
        {
            var n = int.Parse(steps, CultureInfo.InvariantCulture);
            options = options with { NeuronSteps = n, MlpSteps = n };
        }

        return options;
    }
}
