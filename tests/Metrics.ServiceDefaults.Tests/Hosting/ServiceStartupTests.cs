using System.Net;
using System.Net.Sockets;
using Metrics.Testing;

namespace Metrics.ServiceDefaults.Tests.Hosting;

/// <summary>Bad configuration stops a service at start-up with one clear line, for every service.</summary>
public sealed class ServiceStartupTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    public static TheoryData<string> Services => new() { "ingest", "query", "exporter" };

    private Dictionary<string, string> Good(string service) => new()
    {
        ["METRICS_DATABASE_URL"] = db.Url,
        ["METRICS_TOKEN_PEPPER"] = "service-test-pepper-0123456789",
        ["METRICS_HTTP_PORT"] = "0",
        ["METRICS_GRPC_PORT"] = "0",
        ["METRICS_LOGDIR"] = Path.Combine(Path.GetTempPath(), "metrics-startup-" + service),
        ["METRICS_LISTEN"] = "loopback",
        ["METRICS_STARTUP_DATABASE_WAIT_SECONDS"] = "0",
    };

    private static async Task AssertFailsWithOneLineAsync(string service, Dictionary<string, string> environment, string expected)
    {
        var result = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Service(service), [], environment);

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}: {result.StandardError}");
        var line = Assert.Single(result.StandardError.Trim().Split('\n'));
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Start_UnreachableDatabase_FailsWithOneLine(string service)
    {
        var environment = Good(service);
        environment["METRICS_DATABASE_URL"] = "postgres://postgres@127.0.0.1:1/none";

        await AssertFailsWithOneLineAsync(service, environment, "cannot reach the database");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Start_BadPort_FailsWithOneLine(string service)
    {
        var environment = Good(service);
        environment["METRICS_HTTP_PORT"] = "70000";

        await AssertFailsWithOneLineAsync(service, environment, "METRICS_HTTP_PORT");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Start_PortInUse_FailsWithOneLine(string service)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var environment = Good(service);
        environment["METRICS_HTTP_PORT"] = ((IPEndPoint)listener.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        await AssertFailsWithOneLineAsync(service, environment, "cannot listen");
    }

    [Theory]
    [InlineData("ingest")]
    [InlineData("query")]
    public async Task Start_MissingTokenPepper_FailsWithOneLine(string service)
    {
        var environment = Good(service);
        environment.Remove("METRICS_TOKEN_PEPPER");

        await AssertFailsWithOneLineAsync(service, environment, "METRICS_TOKEN_PEPPER");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Start_UnmigratedDatabase_FailsSayingHowToMigrate(string service)
    {
        var environment = Good(service);
        environment["METRICS_DATABASE_URL"] = await TestPostgres.CreateDatabaseAsync("startup_old");

        await AssertFailsWithOneLineAsync(service, environment, "metrics db migrate");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Start_GoodConfiguration_IsReadyAndStopsCleanlyOnSigterm(string service)
    {
        await using var process = new ServiceProcess(ServiceProcessOptions.ForService(service, ServiceBinaries.Service(service), Good(service)));

        await process.StartAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
        using var http = new HttpClient();
        using var live = await http.GetAsync(new Uri(process.Endpoint("http"), "/health/live"));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        // SIGTERM, and a SIGKILL (exit code 137) only if it has not stopped within 30 s.
        await process.StopAsync(TimeSpan.FromSeconds(30));
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {process.Tail}");
    }
}
