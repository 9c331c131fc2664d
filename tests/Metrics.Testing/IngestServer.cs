using Metrics.LocalStack;

namespace Metrics.Testing;

/// <summary>
/// The real ingest service as a child process on ports it binds itself (read back by the harness);
/// a test can stop it and start it again, and it comes back on the same ports.
/// </summary>
public sealed class IngestServer(string databaseUrl, string pepper) : IAsyncDisposable
{
    private readonly ServiceProcess _process = new(ServiceProcessOptions.ForService("ingest", ServiceBinaries.Service("ingest"), new Dictionary<string, string>
    {
        ["METRICS_DATABASE_URL"] = databaseUrl,
        ["METRICS_TOKEN_PEPPER"] = pepper,
        ["METRICS_GRPC_PORT"] = "0",
        ["METRICS_HTTP_PORT"] = "0",
        ["METRICS_LISTEN"] = "loopback",
        ["DOTNET_ENVIRONMENT"] = "Production",
    }) with
    {
        LogFile = Path.Combine(Path.GetTempPath(), "metrics-tests-ingest-" + Guid.NewGuid().ToString("N")[..8] + ".log"),
        StopGrace = TimeSpan.Zero,
    });

    /// <summary>The gRPC address (known once the service has started the first time).</summary>
    public Uri Url => _process.Endpoint("grpc");

    public Task StartAsync() => _process.StartAsync(TimeSpan.FromSeconds(90), CancellationToken.None);

    /// <summary>Kills the service at once (as a crash or an outage would).</summary>
    public Task StopAsync()
    {
        _process.Kill();
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
