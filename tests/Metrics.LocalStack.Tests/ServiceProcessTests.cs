using System.Net;
using Metrics.Testing;

namespace Metrics.LocalStack.Tests;

/// <summary>One service-process class for every child: a real service on port 0, crashing children, log capture.</summary>
public sealed class ServiceProcessTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("metrics-localstack-");

    [Fact]
    public async Task StartAsync_ServiceOnPortZero_ReportsBoundPortsAndAnswers()
    {
        await using var ingest = new ServiceProcess(ServiceProcessOptions.ForService("ingest", ServiceBinaries.Service("ingest"), new Dictionary<string, string>
        {
            ["METRICS_DATABASE_URL"] = database.Url,
            ["METRICS_TOKEN_PEPPER"] = "localstack-tests-pepper-0123456789",
            ["METRICS_HTTP_PORT"] = "0",
            ["METRICS_GRPC_PORT"] = "0",
            ["METRICS_LISTEN"] = "loopback",
        }) with { StopGrace = TimeSpan.Zero });

        await ingest.StartAsync(TimeSpan.FromSeconds(90), CancellationToken.None);

        Assert.NotEqual(0, ingest.HttpPort);
        Assert.NotEqual(0, ingest.Endpoint("grpc").Port);
        Assert.NotEqual(ingest.HttpPort, ingest.Endpoint("grpc").Port);
        using var http = new HttpClient();
        using var ready = await http.GetAsync(new Uri(ingest.Endpoint("http"), "/health/ready"));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.True(ingest.RssBytes > 0);
    }

    [Fact]
    public async Task Start_ChildCrashes_RestartedWithBackOffAndReported()
    {
        var status = new StringWriter();
        await using var crashing = new ServiceProcess(new ServiceProcessOptions
        {
            Name = "crasher",
            FileName = "bash",
            Arguments = ["-c", "echo up; exit 3"],
            RestartOnExit = true,
            RestartDelay = TimeSpan.FromMilliseconds(20),
            MaxRestartDelay = TimeSpan.FromMilliseconds(100),
            Status = TextWriter.Synchronized(status),
        });

        crashing.Start();

        Assert.Equal(3, await crashing.FirstExit.WaitAsync(TimeSpan.FromSeconds(30)));
        await Eventually.TrueAsync(() => crashing.Starts >= 3, TimeSpan.FromSeconds(30), () => "three starts; status:\n" + status);
        Assert.Contains("crasher exited with code 3; restarting in", status.ToString(), StringComparison.Ordinal);
        Assert.True(crashing.Restarts >= 2);
    }

    [Fact]
    public async Task Start_ChildPrints_OutputInLogFileAndTailLastErrorKept()
    {
        var log = Path.Combine(_temp.FullName, "child.log");
        await using var child = new ServiceProcess(new ServiceProcessOptions
        {
            Name = "printer",
            FileName = "bash",
            Arguments = ["-c", "echo to-stdout; echo to-stderr >&2; exec sleep 60"],
            LogFile = log,
            StopGrace = TimeSpan.FromSeconds(5),
        });

        child.Start();

        await Eventually.TrueAsync(() => child.Tail.Contains("to-stderr", StringComparison.Ordinal) && child.Tail.Contains("to-stdout", StringComparison.Ordinal), TimeSpan.FromSeconds(30), () => "both lines; tail:\n" + child.Tail);
        Assert.Equal("to-stderr", child.LastError);
        Assert.True(child.IsRunning);
        await child.StopAsync(TimeSpan.FromSeconds(5));
        Assert.False(child.IsRunning);
        var logged = await File.ReadAllTextAsync(log);
        Assert.Contains("to-stdout", logged, StringComparison.Ordinal);
        Assert.Contains("to-stderr", logged, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_AfterKill_StartsAgainOnTheReportedPort()
    {
        // Stands in for a service on port 0: reports port 4711 when asked for 0, else the port it was given.
        const string Script = """
            port=${METRICS_HTTP_PORT}; [ "$port" = 0 ] && port=4711
            echo "fake: http listening on http://127.0.0.1:$port"; echo "asked for $METRICS_HTTP_PORT"; exec sleep 60
            """;
        await using var fake = new ServiceProcess(new ServiceProcessOptions
        {
            Name = "fake",
            FileName = "bash",
            Arguments = ["-c", Script],
            Environment = new Dictionary<string, string> { ["METRICS_HTTP_PORT"] = "0" },
            StopGrace = TimeSpan.Zero,
        });

        fake.Start();
        Assert.Equal(4711, (await fake.WaitForEndpointAsync("http", TimeSpan.FromSeconds(30), CancellationToken.None))?.Port);
        fake.Kill();
        fake.Start();

        await Eventually.TrueAsync(() => fake.Tail.Contains("asked for 4711", StringComparison.Ordinal), TimeSpan.FromSeconds(30), () => "a second start on 4711; tail:\n" + fake.Tail);
        Assert.Equal(2, fake.Starts);
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
