using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Metrics.LocalStack;
using Metrics.Storage;
using Npgsql;

namespace Metrics.Bench.Soak;

/// <summary>
/// The services as real processes on loopback over one database: ingest replicas behind a
/// <see cref="TcpRelay"/> (writers connect to the relay, as to a Kubernetes Service), the query
/// service and an exporter, with a write and a read token of one project.
/// </summary>
public sealed class SoakServices : IAsyncDisposable
{
    public const string Pepper = "soak-pepper-0123456789abcdef0123";

    private readonly List<GrpcChannel> _channels = [];

    private SoakServices(SoakServicesOptions options, NpgsqlDataSource dataSource, string logdir)
    {
        Options = options;
        DataSource = dataSource;
        Logdir = logdir;
    }

    public SoakServicesOptions Options { get; }

    public NpgsqlDataSource DataSource { get; }

    public string Logdir { get; }

    /// <summary>Where the exporter writes the project's runs (point TensorBoard here).</summary>
    public string ProjectDirectory => Path.Combine(Logdir, Options.Project);

    public IReadOnlyList<ServiceProcess> Ingests { get; private set; } = [];

    public IReadOnlyList<int> IngestGrpcPorts { get; private set; } = [];

    public ServiceProcess? Query { get; private set; }

    public ServiceProcess? Exporter { get; private set; }

    public TcpRelay Relay { get; private set; } = null!;

    public string WriteToken { get; private set; } = "";

    public string ReadToken { get; private set; } = "";

    public TokenStore Tokens => new(DataSource, Microsoft.Extensions.Options.Options.Create(new TokenOptions { Pepper = Pepper, CacheSeconds = 0 }), TimeProvider.System);

    public static async Task<SoakServices> StartAsync(SoakServicesOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.WorkDirectory);
        var logdir = options.Logdir ?? Path.Combine(options.WorkDirectory, "logdir");
        Directory.CreateDirectory(logdir);
        var dataSource = MetricsDataSource.Create(options.DatabaseUrl, applicationName: "metrics-soak");
        var stack = new SoakServices(options, dataSource, logdir);
        try
        {
            await new SchemaMigrator(dataSource).MigrateAsync(cancellationToken);
            stack.WriteToken = await stack.Tokens.CreateAsync(options.Project, TokenScope.Write, "soak writers", null, cancellationToken);
            stack.ReadToken = await stack.Tokens.CreateAsync(options.Project, TokenScope.Read, "soak readers", null, cancellationToken);
            await stack.StartServicesAsync(cancellationToken);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>A gRPC channel to the ingest relay (or to one replica), disposed with the stack.</summary>
    public GrpcChannel Channel(int? replica = null)
    {
        var port = replica is { } r ? IngestGrpcPorts[r] : Relay.Port;
        var channel = GrpcChannel.ForAddress("http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, ConnectTimeout = TimeSpan.FromSeconds(5) },
            MaxReceiveMessageSize = null,
            MaxSendMessageSize = null,
        });
        lock (_channels)
        {
            _channels.Add(channel);
        }

        return channel;
    }

    /// <summary>The query service's base address (cleartext).</summary>
    public Uri QueryUrl => new("http://127.0.0.1:" + (Query ?? throw new InvalidOperationException("no query service")).HttpPort.ToString(CultureInfo.InvariantCulture));

    /// <summary>An HTTP client of the query service with the read token (or <paramref name="token"/>).</summary>
    public HttpClient QueryClient(string? token = null)
    {
        var client = new HttpClient { BaseAddress = QueryUrl, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? ReadToken);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_channels)
        {
            foreach (var channel in _channels)
            {
                channel.Dispose();
            }

            _channels.Clear();
        }

        if (Relay is not null)
        {
            await Relay.DisposeAsync();
        }

        foreach (var service in Ingests.Append(Query).Append(Exporter))
        {
            if (service is not null)
            {
                await service.DisposeAsync();
            }
        }

        await DataSource.DisposeAsync();
    }

    private async Task StartServicesAsync(CancellationToken cancellationToken)
    {
        var logs = Directory.CreateDirectory(Path.Combine(Options.WorkDirectory, "logs")).FullName;
        var common = new Dictionary<string, string>
        {
            ["METRICS_DATABASE_URL"] = Options.DatabaseUrl,
            ["METRICS_TOKEN_PEPPER"] = Pepper,
            ["METRICS_TOKEN_CACHE_SECONDS"] = "0",
            ["METRICS_LISTEN"] = "loopback",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        ServiceProcess Host(string service, string suffix, Dictionary<string, string> own)
        {
            // Port 0: each service binds a free port and reports it; a restart after a fault keeps it.
            var environment = new Dictionary<string, string>(common) { ["METRICS_HTTP_PORT"] = "0" };
            foreach (var (key, value) in own)
            {
                environment[key] = value;
            }

            foreach (var (key, value) in Options.Environment.GetValueOrDefault(service) ?? new Dictionary<string, string>())
            {
                environment[key] = value;
            }

            return new ServiceProcess(ServiceProcessOptions.ForService(service + suffix, Options.Assembly(service), environment) with
            {
                LogFile = Path.Combine(logs, service + suffix + ".log"),
                StopGrace = TimeSpan.Zero,
                ProbeHandler = ProbeHandler(environment),
            });
        }

        Ingests = [.. Enumerable.Range(0, Options.IngestReplicas).Select(i => Host("ingest", "-" + i.ToString(CultureInfo.InvariantCulture), new() { ["METRICS_GRPC_PORT"] = "0" }))];
        if (Options.Query)
        {
            Query = Host("query", "", new() { ["METRICS_RATE_LIMIT_PER_SECOND"] = "100000", ["METRICS_RATE_LIMIT_BURST"] = "100000" });
        }

        if (Options.Exporter)
        {
            Exporter = Host("exporter", "", new()
            {
                ["METRICS_LOGDIR"] = Logdir,
                ["METRICS_EXPORT_REPLICA_ID"] = "soak-exporter",
                ["METRICS_EXPORT_POLL_SECONDS"] = "0.5",
                ["METRICS_EXPORT_LOCK_HEARTBEAT_SECONDS"] = "0.5",
                ["METRICS_EXPORT_REWRITE_DELAY_SECONDS"] = "0.5",
            });
        }

        var ready = TimeSpan.FromSeconds(120);
        await Task.WhenAll(Ingests.Append(Query).Append(Exporter).OfType<ServiceProcess>().Select(s => s.StartAsync(ready, cancellationToken)));
        IngestGrpcPorts = [.. Ingests.Select(i => i.Endpoint("grpc").Port)];
        Relay = new TcpRelay(IngestGrpcPorts);
    }

    /// <summary>Readiness probes over https trusting exactly the service's certificate, when METRICS_TLS_CERT is set.</summary>
    private static Func<HttpMessageHandler>? ProbeHandler(Dictionary<string, string> environment) =>
        environment.TryGetValue("METRICS_TLS_CERT", out var certificate) && environment.TryGetValue("METRICS_TLS_KEY", out var key)
            ? () => new SocketsHttpHandler { SslOptions = TrustedCertificate.ClientOptions(X509Certificate2.CreateFromPemFile(certificate, key)) }
            : null;
}
