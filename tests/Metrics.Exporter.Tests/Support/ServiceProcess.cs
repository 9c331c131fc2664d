using Metrics.LocalStack;
using Metrics.Testing;
using Harness = Metrics.LocalStack.ServiceProcess;

namespace Metrics.Exporter.Tests.Support;

/// <summary>A service as a real child process (the harness's <see cref="Harness"/>), e.g. for kill -9 tests, with its whole output kept.</summary>
internal sealed class ServiceProcess : IDisposable
{
    private readonly Harness _process;
    private readonly string _log;

    private ServiceProcess(Harness process, string log)
    {
        _process = process;
        _log = log;
    }

    public bool HasExited => !_process.IsRunning;

    /// <summary>Everything the service printed so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            try
            {
                using var stream = new FileStream(_log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                return new StreamReader(stream).ReadToEnd();
            }
            catch (FileNotFoundException)
            {
                return "";
            }
        }
    }

    /// <summary>The HTTP address the service reported (it binds a free port itself).</summary>
    public Uri HttpAddress => _process.Endpoint("http");

    /// <summary>The gRPC address the ingest service reported.</summary>
    public Uri GrpcAddress => _process.Endpoint("grpc");

    /// <summary>The exporter, with short intervals so tests run fast (<paramref name="settings"/> added or overriding).</summary>
    public static ServiceProcess StartExporter(string databaseUrl, string logdir, string replicaId, double idleReleaseSeconds = 300, IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["METRICS_DATABASE_URL"] = databaseUrl,
            ["METRICS_LOGDIR"] = logdir,
            ["METRICS_EXPORT_REPLICA_ID"] = replicaId,
            ["METRICS_EXPORT_POLL_SECONDS"] = "0.5",
            ["METRICS_EXPORT_LOCK_HEARTBEAT_SECONDS"] = "0.5",
            ["METRICS_EXPORT_REWRITE_DELAY_SECONDS"] = "0.5",
            ["METRICS_EXPORT_IDLE_RELEASE_SECONDS"] = idleReleaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["METRICS_EXPORT_CHUNK_POINTS"] = "500",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return Start("exporter", environment);
    }

    /// <summary>services/&lt;folder&gt;'s built assembly on free ports it binds itself (reported back), loopback only.</summary>
    public static ServiceProcess Start(string folder, Dictionary<string, string> environment)
    {
        var settings = new Dictionary<string, string>
        {
            ["METRICS_TOKEN_PEPPER"] = TestPepper,
            ["METRICS_HTTP_PORT"] = "0",
            ["METRICS_LISTEN"] = "loopback",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in environment)
        {
            settings[key] = value;
        }

        var log = Path.Combine(Path.GetTempPath(), $"metrics-exporter-tests-{folder}-{Guid.NewGuid():N}.log");
        var process = new Harness(ServiceProcessOptions.ForService(folder, ServiceBinaries.Service(folder), settings) with { LogFile = log, StopGrace = TimeSpan.Zero });
        process.Start();
        return new ServiceProcess(process, log);
    }

    /// <summary>Waits until the service answers <c>/health/ready</c>; fails if it exits first.</summary>
    public async Task WaitReadyAsync()
    {
        Assert.True(await _process.WaitReadyAsync(TimeSpan.FromSeconds(60), CancellationToken.None), "service not ready; output:\n" + Output);
    }

    /// <summary>The `metrics` command of the checkout (tools/Metrics.Dev) run to its end: exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunCliAsync(IReadOnlyList<string> arguments)
    {
        var result = await ProcessRunner.RunDotnetAsync(ServiceBinaries.DevTool, arguments, timeout: TimeSpan.FromMinutes(3));
        return (result.ExitCode, result.Output);
    }

    /// <summary>
    /// SIGSTOP: the process freezes with its connections and open files (a long pause, a partitioned
    /// node) until <see cref="ThawAsync"/>.
    /// </summary>
    public Task FreezeAsync() => SignalAsync("STOP");

    /// <summary>SIGCONT: the frozen process runs on, unaware of what happened meanwhile.</summary>
    public Task ThawAsync() => SignalAsync("CONT");

    private Task SignalAsync(string signal) =>
        ProcessRunner.SignalAsync(_process.ProcessId ?? throw new InvalidOperationException("the process is not running; output:\n" + Output), signal);

    /// <summary>SIGKILL: no flush, no cleanup, its connections and file locks die with it.</summary>
    public void Kill() => _process.Kill();

    public void Dispose()
    {
        _process.DisposeAsync().AsTask().GetAwaiter().GetResult();
        File.Delete(_log);
    }

    public const string TestPepper = "exporter-tests-pepper-0123456789";
}
