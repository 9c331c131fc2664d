using System.Globalization;
using Metrics.Dev.Up;
using Metrics.Storage;
using Metrics.Storage.Local;
using Metrics.Testing;
using Microsoft.Extensions.Options;

namespace Metrics.Cli.Tests.Support;

/// <summary>
/// A fresh migrated database with the real ingest and query services on it, as child processes
/// (started as `metrics up` starts them), and a write and a read token of <see cref="Project"/>.
/// </summary>
public sealed class ServicesFixture : DatabaseFixture
{
    public const string Project = "cli";
    private const string Pepper = "cli-services-pepper-0123456789";

    private readonly string _logs = Directory.CreateTempSubdirectory("metrics-cli-services-").FullName;
    private readonly int _ingestPort = LocalPostgres.FreePort();
    private readonly int _queryPort = LocalPostgres.FreePort();
    private ServiceProcess? _ingest;
    private ServiceProcess? _query;

    public string IngestUrl => "http://127.0.0.1:" + _ingestPort.ToString(CultureInfo.InvariantCulture);

    public string QueryUrl => "http://127.0.0.1:" + _queryPort.ToString(CultureInfo.InvariantCulture);

    public string WriteToken { get; private set; } = "";

    public string ReadToken { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        WriteToken = await CreateTokenAsync(Project, TokenScope.Write);
        ReadToken = await CreateTokenAsync(Project, TokenScope.Read);
        _ingest = await StartAsync("ingest", LocalPostgres.FreePort(), new() { ["METRICS_GRPC_PORT"] = _ingestPort.ToString(CultureInfo.InvariantCulture) });
        _query = await StartAsync("query", _queryPort, []);
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

    private async Task<ServiceProcess> StartAsync(string name, int httpPort, Dictionary<string, string> environment)
    {
        environment["METRICS_DATABASE_URL"] = Url;
        environment["METRICS_TOKEN_PEPPER"] = Pepper;
        environment["METRICS_HTTP_PORT"] = httpPort.ToString(CultureInfo.InvariantCulture);
        environment["METRICS_LISTEN"] = "loopback";
        var log = Path.Combine(_logs, name + ".log");
        var service = new ServiceProcess(name, ProcessRunner.ServiceDll(name), environment, log, TextWriter.Null);
        service.Start();
        if (!await HealthProbe.WaitReadyAsync(httpPort, TimeSpan.FromSeconds(90), CancellationToken.None))
        {
            await service.DisposeAsync();
            throw new TimeoutException(name + " did not become ready: " + (File.Exists(log) ? await File.ReadAllTextAsync(log) : "(no log)"));
        }

        return service;
    }
}
