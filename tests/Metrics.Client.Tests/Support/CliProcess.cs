using System.Diagnostics;
using System.Text;
using Metrics.Testing;

namespace Metrics.Client.Tests.Support;

/// <summary>The `metrics` command of a checkout (tools/Metrics.Dev) as a real child process (built by the test project's build).</summary>
public static class CliProcess
{
    public static string Dll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
            return Path.Combine(RepoPaths.Root, "tools", "Metrics.Dev", "bin", configuration, "net10.0", "metrics-dev.dll");
        }
    }

    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            WorkingDirectory = Path.GetTempPath(),
        };
        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("METRICS_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
    }

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"metrics {string.Join(' ', args)} did not finish: {await stdout} {await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
