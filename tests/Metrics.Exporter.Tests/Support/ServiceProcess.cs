using System.Diagnostics;
using System.Text;
using Metrics.Testing;

namespace Metrics.Exporter.Tests.Support;

/// <summary>A service as a real child process (its built assembly run with `dotnet`), e.g. for kill -9 tests.</summary>
internal sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

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

        return Start("exporter", "Metrics.Exporter.dll", environment);
    }

    /// <summary>services/&lt;folder&gt;'s built assembly on <paramref name="port"/> (a free one when null), loopback only.</summary>
    public static ServiceProcess Start(string folder, string assembly, Dictionary<string, string> environment, int? port = null)
    {
        var start = new ProcessStartInfo("dotnet", [AssemblyPath(folder, assembly)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["METRICS_TOKEN_PEPPER"] = TestPepper;
        start.Environment["METRICS_HTTP_PORT"] = (port ?? Metrics.Storage.Local.LocalPostgres.FreePort()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["METRICS_LISTEN"] = "loopback";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return new ServiceProcess(Process.Start(start)!);
    }

    /// <summary>Waits until the service answers <c>/health/ready</c> on <paramref name="httpPort"/>; fails if it exits first.</summary>
    public async Task WaitReadyAsync(int httpPort)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var ready = new Uri("http://127.0.0.1:" + httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/health/ready");
        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    using var response = await http.GetAsync(ready);
                    return response.IsSuccessStatusCode || HasExited;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return HasExited;
                }
            },
            TimeSpan.FromSeconds(60),
            () => "service ready; output:\n" + Output);
        Assert.False(HasExited, Output);
    }

    /// <summary>The shipped `metrics` command (src/Metrics.Cli, built beside this test) run to its end: exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunCliAsync(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(RepoPaths.Root, "tools", "Metrics.Dev", "bin", Configuration, "net10.0", "metrics-dev.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var cli = new ServiceProcess(Process.Start(start)!);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await cli._process.WaitForExitAsync(timeout.Token);
        cli._process.WaitForExit();
        return (cli._process.ExitCode, cli.Output);
    }

    /// <summary>SIGKILL: no flush, no cleanup, its connections and file locks die with it.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    public const string TestPepper = "exporter-tests-pepper-0123456789";

    private static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    private static string AssemblyPath(string folder, string assembly)
    {
        // Built beside this test (project references) in the same configuration.
        var path = Path.Combine(RepoPaths.Root, "services", folder, "bin", Configuration, "net10.0", assembly);
        return File.Exists(path) ? path : throw new FileNotFoundException("build the service first", path);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
