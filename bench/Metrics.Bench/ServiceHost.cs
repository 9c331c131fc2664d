using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Metrics.Bench.Soak;
using Metrics.Storage.Local;

namespace Metrics.Bench;

/// <summary>
/// One Metrics service as a real child process (`dotnet Metrics.X.dll`, as in production) on fixed
/// ports, so fault tests can kill it with SIGKILL and start it again on the same ports, and a
/// benchmark's RSS and CPU are the service's own. Its output goes to a log file and a bounded
/// in-memory tail; its RSS is read from /proc. The soak, the resilience tests and the ingest and
/// client benchmarks start their services through it.
/// </summary>
public sealed class ServiceHost(string name, string assemblyPath, IReadOnlyDictionary<string, string> environment, int httpPort, string logFile) : IAsyncDisposable
{
    private const int TailLines = 200;
    private const string Prefix = "METRICS_";
    private readonly Queue<string> _tail = new();
    private StreamWriter? _log;
    private HttpClient? _probe;
    private Process? _process;

    public string Name => name;

    public int HttpPort => httpPort;

    /// <summary>The gRPC address when the service has a gRPC port (METRICS_GRPC_PORT), cleartext on loopback.</summary>
    public Uri? GrpcAddress => environment.TryGetValue(Prefix + "GRPC_PORT", out var port) ? new Uri("http://127.0.0.1:" + port) : null;

    /// <summary>How many times the process was started.</summary>
    public int Starts { get; private set; }

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

    /// <summary>The last lines the service printed (stdout and stderr).</summary>
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

    /// <summary>Resident memory of the process (VmRSS of /proc/&lt;pid&gt;/status), 0 when not running.</summary>
    public long RssBytes => ProcessId is { } id ? ProcessMemory.RssBytes(id) : 0;

    /// <summary>Starts the process and waits until GET /health/ready answers 200.</summary>
    public async Task StartAsync(TimeSpan readyTimeout, CancellationToken cancellationToken)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException(name + " is already running");
        }

        _process?.Dispose();
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(assemblyPath)!,
        };
        info.ArgumentList.Add(assemblyPath);

        // Exactly the settings given: a METRICS_* variable of the caller's shell (a token, a TLS
        // certificate, a rate limit) must not change the service under test.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith(Prefix, StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        info.Environment[Prefix + "HTTP_PORT"] = httpPort.ToString(CultureInfo.InvariantCulture);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + assemblyPath);
        Starts++;
        Append("--- start " + Starts.ToString(CultureInfo.InvariantCulture) + " pid " + process.Id.ToString(CultureInfo.InvariantCulture));
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        if (!await WaitReadyAsync(readyTimeout, cancellationToken))
        {
            throw new InvalidOperationException($"{name} did not become ready within {readyTimeout.TotalSeconds:0} s (exited: {process.HasExited}):\n{Tail}");
        }
    }

    /// <summary>
    /// The ingest service beside this assembly (the bench references it, so its build is copied here)
    /// on free loopback ports, its rate limit off (the benchmarks measure throughput), ready.
    /// </summary>
    public static async Task<ServiceHost> StartIngestAsync(string databaseUrl, string pepper, string logFile, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string>
        {
            [Prefix + "DATABASE_URL"] = databaseUrl,
            [Prefix + "TOKEN_PEPPER"] = pepper,
            [Prefix + "GRPC_PORT"] = LocalPostgres.FreePort().ToString(CultureInfo.InvariantCulture),
            [Prefix + "LISTEN"] = "loopback",
            [Prefix + "INGEST_RATE_LIMIT_POINTS_PER_SECOND"] = "0",
            ["DOTNET_ENVIRONMENT"] = "Production",
            // A line per request at Information would make the log a measurable part of the work.
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var host = new ServiceHost("ingest", Path.Combine(AppContext.BaseDirectory, "Metrics.Ingest.dll"), environment, LocalPostgres.FreePort(), logFile);
        try
        {
            await host.StartAsync(TimeSpan.FromSeconds(90), cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>True once GET /health/ready answers 200 (false at the timeout or when the process exits).</summary>
    public async Task<bool> WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline && IsRunning)
        {
            if (await IsReadyAsync(cancellationToken))
            {
                return true;
            }

            await Task.Delay(100, cancellationToken);
        }

        return false;
    }

    /// <summary>One probe of GET /health/ready (over https, trusting exactly the service's certificate, when METRICS_TLS_CERT is set).</summary>
    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        _probe ??= CreateProbe();
        try
        {
            using var response = await _probe.GetAsync(new Uri(_probe.BaseAddress!, "/health/ready"), cancellationToken);
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

    /// <summary>SIGKILL, as a crash or an OOM kill: no flush, no graceful shutdown.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            Append("--- kill -9");
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    /// <summary>The exit code when the process ended by itself, null while it runs (or when it was never started).</summary>
    public int? ExitCode => _process is { HasExited: true } process ? process.ExitCode : null;

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        _process = null;
        _probe?.Dispose();
        lock (_tail)
        {
            _log?.Dispose();
            _log = null;
        }

        return ValueTask.CompletedTask;
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

    private HttpClient CreateProbe()
    {
        var handler = new SocketsHttpHandler();
        var scheme = "http";
        if (environment.TryGetValue("METRICS_TLS_CERT", out var certificate) && environment.TryGetValue("METRICS_TLS_KEY", out var key))
        {
            scheme = "https";
            handler.SslOptions = TrustedCertificate.ClientOptions(X509Certificate2.CreateFromPemFile(certificate, key));
        }

        return new HttpClient(handler)
        {
            BaseAddress = new Uri(scheme + "://127.0.0.1:" + httpPort.ToString(CultureInfo.InvariantCulture)),
            Timeout = TimeSpan.FromSeconds(2),
        };
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

            _log ??= new StreamWriter(logFile, append: true, Encoding.UTF8) { AutoFlush = true };
            _log.WriteLine(line);
        }
    }
}
