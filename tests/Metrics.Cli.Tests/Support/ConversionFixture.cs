using System.Diagnostics.CodeAnalysis;
using Metrics.Storage;

namespace Metrics.Cli.Tests.Support;

/// <summary>
/// A fresh migrated database, a write token, and the real ingest service on it with its background
/// compaction off: the conversion test needs `metrics db migrate` to be the one converting legacy
/// rows (the compactor itself is tested with concurrent passes in Metrics.Storage.Tests).
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "xunit disposes fixtures through IAsyncLifetime.DisposeAsync, which stops the service.")]
public sealed class ConversionFixture : DatabaseFixture
{
    private const string Pepper = "conversion-tests-pepper-0123456789abcdef";

    private ServiceProcess? _ingest;

    public string Token { get; private set; } = "";

    public Uri IngestUrl => _ingest!.Endpoint("grpc");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var tokens = new TokenStore(DataSource, Microsoft.Extensions.Options.Options.Create(new TokenOptions { Pepper = Pepper }), TimeProvider.System);
        Token = await tokens.CreateAsync("conversion", TokenScope.Write, "conversion tests", null, CancellationToken.None);
        _ingest = new ServiceProcess(ServiceProcessOptions.ForService("ingest", ServiceBinaries.Service("ingest"), new Dictionary<string, string>
        {
            ["METRICS_DATABASE_URL"] = Url,
            ["METRICS_TOKEN_PEPPER"] = Pepper,
            ["METRICS_GRPC_PORT"] = "0",
            ["METRICS_HTTP_PORT"] = "0",
            ["METRICS_LISTEN"] = "loopback",
            ["METRICS_INGEST_COMPACTION_INTERVAL_SECONDS"] = "0",
            ["DOTNET_ENVIRONMENT"] = "Production",
        }) with
        {
            LogFile = Path.Combine(Path.GetTempPath(), "metrics-tests-conversion-ingest-" + Guid.NewGuid().ToString("N")[..8] + ".log"),
            StopGrace = TimeSpan.Zero,
        });
        await _ingest.StartAsync(TimeSpan.FromSeconds(90), CancellationToken.None);
    }

    public override async Task DisposeAsync()
    {
        if (_ingest is not null)
        {
            await _ingest.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}
