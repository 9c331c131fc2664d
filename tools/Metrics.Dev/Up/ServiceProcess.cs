using System.Diagnostics;
using System.Globalization;

namespace Metrics.Dev.Up;

/// <summary>
/// One service run as a child process, as in production (`dotnet Metrics.X.dll`), restarted
/// with backoff when it crashes, its output appended to a log file.
/// </summary>
internal sealed class ServiceProcess(string name, string assemblyPath, IReadOnlyDictionary<string, string> environment, string logFile, TextWriter status) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource<int> _firstExit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;
    private volatile string? _lastError;
    private Task? _supervisor;
    private volatile bool _stopRequested;

    public string Name => name;

    public int Restarts { get; private set; }

    /// <summary>Completes with the exit code when the service first exits on its own (not stopped).</summary>
    public Task<int> FirstExit => _firstExit.Task;

    /// <summary>The last line the service wrote to stderr: services say why they stop in one line there.</summary>
    public string? LastError => _lastError;

    public void Start() => _supervisor = SuperviseAsync(_stopping.Token);

    private async Task SuperviseAsync(CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            var started = DateTime.UtcNow;
            var process = Launch();
            _process?.Dispose();
            _process = process;
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (_stopRequested)
            {
                return;
            }

            _firstExit.TrySetResult(process.ExitCode);
            Restarts++;
            backoff = DateTime.UtcNow - started > TimeSpan.FromMinutes(1) ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(Math.Min(backoff.TotalSeconds * 2, 30));
            await status.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{name} exited with code {process.ExitCode}; restarting in {backoff.TotalSeconds:0}s (log: {logFile})"));
            try
            {
                await Task.Delay(backoff, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private Process Launch()
    {
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(assemblyPath)!,
        };
        info.ArgumentList.Add(assemblyPath);
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start " + name);
        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        void Write(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (log)
            {
                log.WriteLine(line);
            }
        }

        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            Write(e.Data);
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                _lastError = e.Data;
            }
        };
        process.Exited += (_, _) => { lock (log) { log.Dispose(); } };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>SIGTERM, then wait for a graceful exit (SIGKILL after <paramref name="grace"/>).</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        _stopRequested = true;
        if (_process is { HasExited: false } process)
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(grace);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        await _stopping.CancelAsync();
        if (_supervisor is not null)
        {
            await _supervisor;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(30));
        _process?.Dispose();
        _stopping.Dispose();
    }
}
