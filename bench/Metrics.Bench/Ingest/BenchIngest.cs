using Metrics.LocalStack;

namespace Metrics.Bench.Ingest;

/// <summary>The ingest service as the benchmarks run it: a child process on loopback ports it binds itself, its rate limit off.</summary>
public static class BenchIngest
{
    /// <summary>Starts the built ingest service and waits until it is ready.</summary>
    public static async Task<ServiceProcess> StartAsync(string databaseUrl, string pepper, string logFile, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string>
        {
            ["METRICS_DATABASE_URL"] = databaseUrl,
            ["METRICS_TOKEN_PEPPER"] = pepper,
            ["METRICS_HTTP_PORT"] = "0",
            ["METRICS_GRPC_PORT"] = "0",
            ["METRICS_LISTEN"] = "loopback",
            // The benchmarks measure throughput.
            ["METRICS_INGEST_RATE_LIMIT_POINTS_PER_SECOND"] = "0",
            ["DOTNET_ENVIRONMENT"] = "Production",
            // A line per request at Information would make the log a measurable part of the work.
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var host = new ServiceProcess(ServiceProcessOptions.ForService("ingest", ServiceBinaries.Service("ingest"), environment) with
        {
            LogFile = logFile,
            StopGrace = TimeSpan.Zero,
        });
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
}
