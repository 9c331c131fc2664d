using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Polly;
using Polly.Retry;

namespace Metrics.LocalStack;

/// <summary>
/// One service (or any long-running program) as a child process: its output appended to a log
/// file and kept as an in-memory tail, the endpoints it reports (a service on port 0 prints the
/// port it got, <see cref="ServiceEndpointLine"/>), a readiness probe, RSS from /proc, a graceful
/// stop (SIGTERM, then SIGKILL) and, for `metrics up`, restarts with back-off when it crashes.
/// A restarted or re-started child keeps the ports its first start reported.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int TailLines = 200;

    private readonly ServiceProcessOptions _options;
    private readonly Dictionary<string, string> _environment;
    private readonly Queue<string> _tail = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Uri>> _endpoints = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<int> _firstExit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private Process? _process;
    private StreamWriter? _log;
    private HttpClient? _probe;
    private Task? _supervisor;
    private volatile string? _lastError;
    private volatile bool _stopRequested;
    private int _starts;
    private int _restarts;

    public ServiceProcess(ServiceProcessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _environment = new Dictionary<string, string>(options.Environment, StringComparer.Ordinal);
    }

    public string Name => _options.Name;

    public string? LogFile => _options.LogFile;

    /// <summary>How many times the process was started (restarts included).</summary>
    public int Starts => Volatile.Read(ref _starts);

    /// <summary>How many times the supervisor restarted it after a crash.</summary>
    public int Restarts => Volatile.Read(ref _restarts);

    /// <summary>Completes with the exit code when the process first exits on its own (not stopped).</summary>
    public Task<int> FirstExit => _firstExit.Task;

    /// <summary>The last line the process wrote to stderr: services say why they stop in one line there.</summary>
    public string? LastError => _lastError;

    public bool IsRunning => Alive(_process);

    public int? ProcessId
    {
        get
        {
            var process = _process;
            try
            {
                return process is { HasExited: false } ? process.Id : null;
            }
            catch (InvalidOperationException)
            {
                return null; // replaced and disposed by a restart in the meantime
            }
        }
    }

    /// <summary>The exit code when the process ended by itself, null while it runs (or before it started).</summary>
    public int? ExitCode
    {
        get
        {
            try
            {
                return _process is { HasExited: true } process ? process.ExitCode : null;
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }
    }

    /// <summary>The last lines the process printed (stdout and stderr).</summary>
    public string Tail
    {
        get
        {
            lock (_tail)
            {
                return string.Join('\n', _tail);
            }
        }
    }

    /// <summary>Resident memory of the process (VmRSS), 0 when not running.</summary>
    public long RssBytes => ProcessId is { } id ? ProcessMemory.RssBytes(id) : 0;

    /// <summary>The address the service reported for <paramref name="name"/> ("http", "grpc", "tensorboard").</summary>
    public Uri Endpoint(string name) =>
        _endpoints.TryGetValue(name, out var reported) && reported.Task.IsCompletedSuccessfully
            ? reported.Task.Result
            : throw new InvalidOperationException($"{Name} has not reported a {name} endpoint:\n{Tail}");

    /// <summary>The port of the HTTP endpoint (REST, health).</summary>
    public int HttpPort => Endpoint("http").Port;

    /// <summary>Starts the process and returns at once; with <see cref="ServiceProcessOptions.RestartOnExit"/> it is supervised.</summary>
    public void Start()
    {
        if (_options.RestartOnExit)
        {
            if (_supervisor is not null)
            {
                throw new InvalidOperationException(Name + " is already supervised");
            }

            _supervisor = SuperviseAsync(_stopping.Token);
            return;
        }

        if (IsRunning)
        {
            throw new InvalidOperationException(Name + " is already running");
        }

        _stopRequested = false;
        Launch();
    }

    /// <summary>Starts the process and waits until it is ready (throws with its output when it is not within <paramref name="readyTimeout"/>).</summary>
    public async Task StartAsync(TimeSpan readyTimeout, CancellationToken cancellationToken)
    {
        Start();
        if (!await WaitReadyAsync(readyTimeout, cancellationToken))
        {
            throw new InvalidOperationException($"{Name} did not become ready within {readyTimeout.TotalSeconds:0} s (exited: {!IsRunning}):\n{Tail}");
        }
    }

    /// <summary>Waits until the process reports endpoint <paramref name="name"/>; null at the timeout or when the process exits first.</summary>
    public async Task<Uri?> WaitForEndpointAsync(string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var reported = _endpoints.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        // A supervised process that exits is restarted: its first exit ends the wait.
        var process = _process;
        var exited = _options.RestartOnExit ? _firstExit.Task
            : process is null ? Task.CompletedTask
            : process.WaitForExitAsync(cancellationToken);
        var deadline = Task.Delay(timeout, _options.TimeProvider, cancellationToken);
        await Task.WhenAny(reported, exited, deadline);
        cancellationToken.ThrowIfCancellationRequested();
        return reported.IsCompletedSuccessfully ? await reported : null;
    }

    /// <summary>True once GET /health/ready on the reported HTTP endpoint answers 200; false at the timeout or when the process exits.</summary>
    public async Task<bool> WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = _options.TimeProvider.GetTimestamp();
        if (await WaitForEndpointAsync("http", timeout, cancellationToken) is null)
        {
            return false;
        }

        while (_options.TimeProvider.GetElapsedTime(started) < timeout && IsRunning)
        {
            if (await IsReadyAsync(cancellationToken))
            {
                return true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), _options.TimeProvider, cancellationToken);
        }

        return false;
    }

    /// <summary>One probe of GET /health/ready.</summary>
    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        if (!_endpoints.TryGetValue("http", out var reported) || !reported.Task.IsCompletedSuccessfully)
        {
            return false;
        }

        _probe ??= new HttpClient(_options.ProbeHandler?.Invoke() ?? new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var response = await _probe.GetAsync(new Uri(reported.Task.Result, "/health/ready"), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>SIGKILL, as a crash or an OOM kill: no flush, no graceful shutdown (a supervised process is restarted).</summary>
    public void Kill()
    {
        if (_process is { } process && Alive(process))
        {
            Append("--- kill -9");
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    /// <summary>SIGTERM, then a wait for a graceful exit (SIGKILL after <paramref name="grace"/>); no restart follows.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        _stopRequested = true;
        if (_process is { } process && Alive(process))
        {
            if (grace <= TimeSpan.Zero)
            {
                Kill();
            }
            else
            {
                await ProcessRunner.SignalAsync(process.Id, "TERM");
                using var timeout = new CancellationTokenSource(grace, _options.TimeProvider);
                try
                {
                    await process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    Kill();
                }
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
        await StopAsync(_options.StopGrace);
        _process?.Dispose();
        _process = null;
        _probe?.Dispose();
        _stopping.Dispose();
        lock (_tail)
        {
            _log?.Dispose();
            _log = null;
        }
    }

    private async Task SuperviseAsync(CancellationToken cancellationToken)
    {
        var exitCode = 0;
        var pipeline = new ResiliencePipelineBuilder<RunEnd> { TimeProvider = _options.TimeProvider }
            .AddRetry(new RetryStrategyOptions<RunEnd>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result == RunEnd.Crashed),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = _options.RestartDelay,
                MaxDelay = _options.MaxRestartDelay,
                UseJitter = false,
                OnRetry = async args =>
                {
                    Interlocked.Increment(ref _restarts);
                    await _options.Status.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"{Name} exited with code {exitCode}; restarting in {args.RetryDelay.TotalSeconds:0}s (log: {_options.LogFile})"));
                },
            })
            .Build();

        async ValueTask<RunEnd> RunOnceAsync(CancellationToken token)
        {
            var started = _options.TimeProvider.GetTimestamp();
            var process = Launch();
            try
            {
                await process.WaitForExitAsync(token);
            }
            catch (OperationCanceledException)
            {
                return RunEnd.Stopped;
            }

            if (_stopRequested)
            {
                return RunEnd.Stopped;
            }

            exitCode = process.ExitCode;
            _firstExit.TrySetResult(exitCode);
            return _options.TimeProvider.GetElapsedTime(started) > _options.StableRun ? RunEnd.CrashedAfterStableRun : RunEnd.Crashed;
        }

        try
        {
            // Each pass is a streak of crashes; one after a stable run starts a new streak, so the
            // back-off starts again from its first step.
            while (await pipeline.ExecuteAsync(RunOnceAsync, cancellationToken) == RunEnd.CrashedAfterStableRun)
            {
                Interlocked.Increment(ref _restarts);
                await _options.Status.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{Name} exited with code {exitCode}; restarting (log: {_options.LogFile})"));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped while waiting to restart.
        }
    }

    private Process Launch()
    {
        var previous = _process;
        var process = ProcessRunner.Start(_options.FileName, _options.Arguments, Environment(), _options.WorkingDirectory, _options.ClearMetricsEnvironment);
        var starts = Interlocked.Increment(ref _starts);
        Append(string.Create(CultureInfo.InvariantCulture, $"--- start {starts} pid {process.Id}"));
        process.OutputDataReceived += (_, e) => OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            Append(e.Data);
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                _lastError = e.Data;
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        previous?.Dispose();
        return process;
    }

    private Dictionary<string, string> Environment()
    {
        lock (_environment)
        {
            return new Dictionary<string, string>(_environment, StringComparer.Ordinal);
        }
    }

    private void OnOutput(string? line)
    {
        Append(line);
        if (line is not null && ServiceEndpointLine.TryParse(line, out var name, out var address))
        {
            _endpoints.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(address);
            lock (_environment)
            {
                // Later starts bind the same port (a fault test restarts a service behind a fixed relay).
                _environment["METRICS_" + name.ToUpperInvariant() + "_PORT"] = address.Port.ToString(CultureInfo.InvariantCulture);
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }

            if (_options.LogFile is { } logFile)
            {
                _log ??= new StreamWriter(logFile, append: true, Encoding.UTF8) { AutoFlush = true };
                _log.WriteLine(line);
            }
        }
    }

    /// <summary>Whether the process runs; false for one being replaced (samplers read it while a fault restarts the service).</summary>
    private static bool Alive(Process? process)
    {
        try
        {
            return process is { HasExited: false };
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private enum RunEnd
    {
        Stopped,
        Crashed,
        CrashedAfterStableRun,
    }
}
