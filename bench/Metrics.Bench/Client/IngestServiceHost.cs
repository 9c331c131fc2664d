using System.Diagnostics;
using System.Globalization;
using Metrics.Storage.Local;

namespace Metrics.Bench.Client;

/// <summary>
/// The ingest service as a child process (its built Metrics.Ingest.dll, as `metrics up` starts it)
/// on free loopback ports; disposing stops it.
/// </summary>
internal sealed class IngestServiceHost : IAsyncDisposable
{
    private readonly Process _process;

    private IngestServiceHost(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<IngestServiceHost> StartAsync(string databaseUrl, string pepper, CancellationToken cancellationToken)
    {
        var grpcPort = LocalPostgres.FreePort();
        var httpPort = LocalPostgres.FreePort();
        var start = new ProcessStartInfo("dotnet", [FindAssembly()]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["METRICS_DATABASE_URL"] = databaseUrl;
        start.Environment["METRICS_TOKEN_PEPPER"] = pepper;
        start.Environment["METRICS_GRPC_PORT"] = grpcPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["METRICS_HTTP_PORT"] = httpPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["METRICS_LISTEN"] = "loopback";
        start.Environment["METRICS_INGEST_RATE_LIMIT_POINTS_PER_SECOND"] = "0";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new IngestServiceHost(process, new Uri($"http://127.0.0.1:{grpcPort}"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{httpPort}/health/ready"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return host;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }

            await Task.Delay(100, cancellationToken);
        }

        await host.DisposeAsync();
        throw new InvalidOperationException("The ingest service did not become ready.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static string FindAssembly()
    {
        if (Environment.GetEnvironmentVariable("METRICS_SERVICES_DIR") is { Length: > 0 } dir)
        {
            return Path.Combine(dir, "ingest", "Metrics.Ingest.dll");
        }

        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            foreach (var configuration in new[] { "Release", "Debug" })
            {
                var candidate = Path.Combine(folder.FullName, "services", "ingest", "bin", configuration, "net10.0", "Metrics.Ingest.dll");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new InvalidOperationException("Metrics.Ingest.dll is not built: run ./metrics (which builds it) or `dotnet build -c Release services/ingest`.");
    }
}
