using System.ComponentModel;
using System.Diagnostics;

namespace Metrics.Deploy.Tests.Support;

/// <summary>Runs a command-line tool the static checks rely on (kubectl, docker-compose).</summary>
internal static class ExternalTool
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>
    /// Runs <paramref name="tool"/>; a tool that is not installed fails with <paramref name="installHint"/>
    /// rather than being skipped, so a CI machine without it goes red.
    /// </summary>
    public static Result Run(string tool, IEnumerable<string> arguments, string installHint, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"`{tool}` is not installed or not on PATH ({e.Message}). {installHint}", e);
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return new Result(process.ExitCode, stdout, stderr.GetAwaiter().GetResult());
        }
    }
}
