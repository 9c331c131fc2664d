using System.Diagnostics;
using System.Text;

namespace Metrics.Cli.Tests;

/// <summary>Runs `dotnet some.dll args` as a real process and collects its output.</summary>
internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);

internal static class ProcessRunner
{
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "metrics.dll");

    /// <summary>The development tool behind ./metrics: the CLI plus up, demo and bench.</summary>
    public static string DevDll => Path.Combine(AppContext.BaseDirectory, "metrics-dev.dll");

    public static string ServiceDll(string service)
    {
        var name = "Metrics." + char.ToUpperInvariant(service[0]) + service[1..];
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        return Path.Combine(Metrics.Testing.RepoPaths.Root, "services", service, "bin", configuration, "net10.0", name + ".dll");
    }

    public static async Task<ProcessResult> RunAsync(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        using var process = Start(dll, args, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(dll)} {string.Join(' ', args)} did not finish; output: {await stdout} {await stderr}");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    public static Process Start(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            WorkingDirectory = Metrics.Testing.RepoPaths.Root,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // The test runner's own METRICS_* settings must not leak into the child.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("METRICS_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
    }
}
