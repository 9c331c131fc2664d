using Metrics.LocalStack;
using Metrics.Storage;
using Microsoft.Extensions.Options;

namespace Metrics.Testing;

/// <summary>
/// A fresh migrated database with the real ingest and query services on it, as child processes
/// (started as `metrics up` starts them, on ports they bind themselves), and a write and a read
/// token of <see cref="Project"/>.
/// </summary>
public sealed class ServicesFixture : DatabaseFixture
{
    public const string Project = "cli";
    private const string Pepper = "cli-services-pepper-0123456789";

    private readonly string _logs = Directory.CreateTempSubdirectory("metrics-cli-services-").FullName;
    private ServiceProcess? _ingest;
    private ServiceProcess? _query;

    public string IngestUrl => "http://127.0.0.1:" + _ingest!.Endpoint("grpc").Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public string QueryUrl => "http://127.0.0.1:" + _query!.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public string WriteToken { get; private set; } = "";

    public string ReadToken { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        WriteToken = await CreateTokenAsync(Project, TokenScope.Write);
        ReadToken = await CreateTokenAsync(Project, TokenScope.Read);
        _ingest = await StartAsync("ingest", new() { ["METRICS_GRPC_PORT"] = "0" });
        _query = await StartAsync("query", []);
    }

    /// <summary>A new token of <paramref name="project"/> (tests that need a project of their own).</summary>
    public Task<string> CreateTokenAsync(string project, TokenScope scope) =>
        new TokenStore(DataSource, Options.Create(new TokenOptions { Pepper = Pepper }), TimeProvider.System)
            .CreateAsync(project, scope, "cli tests", null, CancellationToken.None);

    public override async Task DisposeAsync()
    {
        foreach (var service in new[] { _query, _ingest })
        {
            if (service is not null)
            {
                await service.DisposeAsync();
            }
        }

        Directory.Delete(_logs, recursive: true);
        await base.DisposeAsync();
    }

    private async Task<ServiceProcess> StartAsync(string name, Dictionary<string, string> environment)
    {
        environment["METRICS_DATABASE_URL"] = Url;
        environment["METRICS_TOKEN_PEPPER"] = Pepper;
        environment["METRICS_HTTP_PORT"] = "0";
        environment["METRICS_LISTEN"] = "loopback";
        var service = new ServiceProcess(ServiceProcessOptions.ForService(name, ServiceBinaries.Service(name), environment) with
        {
            LogFile = Path.Combine(_logs, name + ".log"),
        });
        try
        {
            await service.StartAsync(TimeSpan.FromSeconds(90), CancellationToken.None);
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }
}
