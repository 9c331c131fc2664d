using System.Diagnostics;
using System.Text;
using Metrics.Testing;

namespace Metrics.Exporter.Tests.Support;

/// <summary>The exporter service as a real child process (its built assembly run with `dotnet`), for kill -9 tests.</summary>
internal sealed class ExporterProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ExporterProcess(Process process)
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

    public static ExporterProcess Start(string databaseUrl, string logdir, string replicaId, double idleReleaseSeconds = 300)
    {
        var start = new ProcessStartInfo("dotnet", [AssemblyPath()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["METRICS_DATABASE_URL"] = databaseUrl;
        start.Environment["METRICS_LOGDIR"] = logdir;
        start.Environment["METRICS_TOKEN_PEPPER"] = "exporter-tests-pepper-0123456789";
        start.Environment["METRICS_HTTP_PORT"] = Metrics.Storage.Local.LocalPostgres.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["METRICS_LISTEN"] = "loopback";
        start.Environment["METRICS_EXPORT_REPLICA_ID"] = replicaId;
        start.Environment["METRICS_EXPORT_POLL_SECONDS"] = "0.5";
        start.Environment["METRICS_EXPORT_LOCK_HEARTBEAT_SECONDS"] = "0.5";
        start.Environment["METRICS_EXPORT_REWRITE_DELAY_SECONDS"] = "0.5";
        start.Environment["METRICS_EXPORT_IDLE_RELEASE_SECONDS"] = idleReleaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["METRICS_EXPORT_CHUNK_POINTS"] = "500";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return new ExporterProcess(Process.Start(start)!);
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

    private static string AssemblyPath()
    {
        // The exporter is a project reference, built beside this test in the same configuration.
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = Path.Combine(RepoPaths.Root, "services", "exporter", "bin", configuration, "net10.0", "Metrics.Exporter.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("build the exporter first", path);
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
