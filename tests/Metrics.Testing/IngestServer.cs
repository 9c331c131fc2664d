using System.Diagnostics;
using System.Globalization;
using Metrics.Storage.Local;
using Metrics.Testing;

namespace Metrics.Client.Tests.Support;

/// <summary>The real ingest service as a child process on fixed ports, so a test can stop it and start it again on the same port.</summary>
public sealed class IngestServer(string databaseUrl, string pepper) : IAsyncDisposable
{
    private readonly int _grpcPort = LocalPostgres.FreePort();
    private readonly int _httpPort = LocalPostgres.FreePort();
    private readonly string _log = Path.Combine(Path.GetTempPath(), "metrics-client-tests-ingest-" + Guid.NewGuid().ToString("N")[..8] + ".log");
    private Process? _process;

    public Uri Url => new("http://127.0.0.1:" + _grpcPort.ToString(CultureInfo.InvariantCulture));

    public static string Assembly
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
            return Path.Combine(RepoPaths.Root, "services", "ingest", "bin", configuration, "net10.0", "Metrics.Ingest.dll");
        }
    }

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("dotnet", [Assembly])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["METRICS_DATABASE_URL"] = databaseUrl;
        start.Environment["METRICS_TOKEN_PEPPER"] = pepper;
        start.Environment["METRICS_GRPC_PORT"] = _grpcPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["METRICS_HTTP_PORT"] = _httpPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["METRICS_LISTEN"] = "loopback";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var log = new StreamWriter(_log, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("ingest exited: " + File.ReadAllText(_log));
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{_httpPort}/health/ready"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("ingest did not become ready: " + File.ReadAllText(_log));
    }

    /// <summary>Kills the service at once (as a crash or an outage would).</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static void Append(StreamWriter log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.WriteLine(line);
            }
        }
    }
}
