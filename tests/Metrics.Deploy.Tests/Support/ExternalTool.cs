using System.ComponentModel;
using Metrics.LocalStack;

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
        try
        {
            var result = ProcessRunner.RunAsync(tool, arguments, environment, workingDirectory ?? Environment.CurrentDirectory, timeout: Timeout.InfiniteTimeSpan)
                .GetAwaiter().GetResult();
            return new Result(result.ExitCode, result.StandardOutput, result.StandardError);
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"`{tool}` is not installed or not on PATH ({e.Message}). {installHint}", e);
        }
    }
}
