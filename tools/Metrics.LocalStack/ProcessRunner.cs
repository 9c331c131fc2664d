using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Metrics.LocalStack;

/// <summary>
/// The one place a child process is started: a command run to its end with its output collected,
/// or a process left running with its output redirected (<see cref="ServiceProcess"/> builds on it).
/// </summary>
public static class ProcessRunner
{
    private const string MetricsPrefix = "METRICS_";

    /// <summary>The executable <paramref name="name"/> in a directory of PATH, or null when none is.</summary>
    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(path => File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0));

    /// <summary>
    /// Starts <paramref name="fileName"/> with stdout and stderr redirected (UTF-8). With
    /// <paramref name="clearMetricsEnvironment"/>, the caller's METRICS_* variables do not leak into
    /// the child: only <paramref name="environment"/> configures it. <paramref name="unsetEnvironment"/>
    /// names further variables of this process the child must not see.
    /// </summary>
    public static Process Start(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        bool clearMetricsEnvironment = false,
        IEnumerable<string>? unsetEnvironment = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (clearMetricsEnvironment)
        {
            foreach (var key in info.Environment.Keys.Where(k => k.StartsWith(MetricsPrefix, StringComparison.Ordinal)).ToList())
            {
                info.Environment.Remove(key);
            }
        }

        foreach (var key in unsetEnvironment ?? [])
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start " + fileName);
    }

    /// <summary>
    /// Runs <paramref name="fileName"/> to its end and returns its exit code and output; kills it
    /// (and throws <see cref="TimeoutException"/>) after <paramref name="timeout"/> (default 5 minutes).
    /// </summary>
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        bool clearMetricsEnvironment = false,
        TimeSpan? timeout = null,
        IEnumerable<string>? unsetEnvironment = null,
        CancellationToken cancellationToken = default)
    {
        var argumentList = arguments.ToList();
        using var process = Start(fileName, argumentList, environment, workingDirectory, clearMetricsEnvironment, unsetEnvironment);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(limit.Token);
            return new ProcessResult(process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(fileName)} {string.Join(' ', argumentList)} did not finish; output: {await stdout} {await stderr}");
        }
    }

    /// <summary>`dotnet <paramref name="assembly"/> args…` run to its end (the CLI, a job, a tool).</summary>
    public static Task<ProcessResult> RunDotnetAsync(
        string assembly,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        bool clearMetricsEnvironment = true,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        RunAsync("dotnet", [assembly, .. arguments], environment, workingDirectory, clearMetricsEnvironment, timeout, cancellationToken: cancellationToken);

    /// <summary>`dotnet <paramref name="assembly"/> args…` left running, its output redirected.</summary>
    public static Process StartDotnet(
        string assembly,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        bool clearMetricsEnvironment = true) =>
        Start("dotnet", [assembly, .. arguments], environment, workingDirectory, clearMetricsEnvironment);

    /// <summary>
    /// Sends a signal by name (TERM, INT, QUIT) to <paramref name="processId"/>, as `kill -NAME` does;
    /// a process that has already exited is not an error.
    /// </summary>
    public static Task SignalAsync(int processId, string signal) =>
        RunAsync("kill", ["-" + signal, processId.ToString(CultureInfo.InvariantCulture)], timeout: TimeSpan.FromSeconds(30));
}
