using System.Net;
using Metrics.Deploy.Tests.Checks;
using Metrics.Deploy.Tests.Support;
using Metrics.LocalStack;

namespace Metrics.Deploy.Tests;

public sealed class DockerfileTests
{
    public static TheoryData<string> Components() => ["ingest", "query", "exporter", "cli", "tensorboard"];

    private static IReadOnlyList<string> Check(DeployRepository repository, string name)
    {
        var components = ServiceCatalog.Load(repository.Root);
        var component = components[name];
        return new DockerfileChecker(repository.Root, components).Check(component, Dockerfile.Load(repository.PathOf(component.Dockerfile)));
    }

    [Theory]
    [MemberData(nameof(Components))]
    public void Dockerfile_AsShipped_AgreesWithRepository(string name)
    {
        using var repository = DeployRepository.Real();

        var problems = Check(repository, name);

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Theory]
    [InlineData("query", "COPY services/ services/", "COPY servicess/ services/", "COPY source servicess/ does not exist")]
    [InlineData("query", "\"Metrics.Query.dll\"", "\"Metrics.QueryService.dll\"", "ENTRYPOINT must run [\"dotnet\", \"Metrics.Query.dll\"]")]
    [InlineData("ingest", "EXPOSE 8081 50051", "EXPOSE 8081", "EXPOSE 8081 differs from the ports ingest listens on")]
    [InlineData("exporter", "COPY src/Metrics.Storage/Metrics.Storage.csproj src/Metrics.Storage/\n", "", "src/Metrics.Storage/Metrics.Storage.csproj (referenced by services/exporter/Metrics.Exporter.csproj) is not copied before `dotnet restore`")]
    [InlineData("cli", "COPY src/Metrics.Client/Metrics.Client.csproj src/Metrics.Client/\n", "", "src/Metrics.Client/Metrics.Client.csproj (referenced by src/Metrics.Cli/Metrics.Cli.csproj) is not copied before `dotnet restore`")]
    [InlineData("ingest", "COPY proto/ proto/\n", "", "compiles proto/, which is not copied")]
    [InlineData("query", "\"metrics-healthcheck\", \"8080\"", "\"metrics-healthcheck\", \"8081\"", "HEALTHCHECK checks port 8081, but query's HTTP port is 8080")]
    [InlineData("exporter", "METRICS_LOGDIR=/logdir", "METRICS_LOG_DIR=/logdir", "ENV METRICS_LOG_DIR is not a setting of exporter")]
    [InlineData("cli", "USER $APP_UID\n", "", "the cli image must switch to a non-root USER")]
    [InlineData("query", "COPY --from=publish-query /app ./", "COPY --from=publish-ingest /app ./", "builds something other than services/query/Metrics.Query.csproj")]
    [InlineData("exporter", " \\\n && dotnet restore services/exporter/Metrics.Exporter.csproj", "", "does not restore services/exporter/Metrics.Exporter.csproj")]
    [InlineData("exporter", "COPY --from=publish-exporter /app ./", "COPY --from=publish-exporter /out ./", "copies /out from stage publish-exporter, which publishes to /app")]
    [InlineData("ingest", "FROM service AS ingest", "FROM service AS ingest-image", "no stage named ingest")]
    [InlineData("query", "FROM service AS query", "FROM runtime AS query", "HEALTHCHECK runs metrics-healthcheck, which the query image does not COPY in")]
    public void Check_BrokenDockerfile_ReportsIt(string name, string from, string to, string expected)
    {
        using var repository = DeployRepository.Scratch();
        var dockerfile = ServiceCatalog.Load(repository.Root)[name].Dockerfile;
        repository.Replace(dockerfile, from, to);

        var problems = Check(repository, name);

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/health/ready", 0)]
    [InlineData("/health/live", 1)]
    public async Task HealthCheckScript_AgainstRealHttpServer_ExitsZeroOnlyFor200(string path, int expectedExitCode)
    {
        using var repository = DeployRepository.Real();
        // HttpListener cannot bind port 0: a candidate port, and the next one when it is taken.
        var (listener, port) = LoopbackPorts.Bind(candidate =>
        {
            var http = new HttpListener();
            http.Prefixes.Add($"http://127.0.0.1:{candidate}/");
            try
            {
                http.Start();
                return (http, candidate);
            }
            catch (HttpListenerException)
            {
                http.Close();
                throw;
            }
        }, e => e is HttpListenerException);
        using var stop = listener;
        var serving = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            context.Response.StatusCode = context.Request.Url!.AbsolutePath == "/health/ready" ? 200 : 503;
            context.Response.Close();
        });

        var result = ExternalTool.Run("bash", [repository.PathOf("deploy/docker/healthcheck.sh"), "1", path], "bash is needed", environment: new Dictionary<string, string> { ["METRICS_HTTP_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        await serving.WaitAsync(TimeSpan.FromSeconds(30)); // throws TimeoutException if the script never connected
        Assert.Equal(expectedExitCode, result.ExitCode);
    }

    [Fact]
    public void HealthCheckScript_NothingListening_Fails()
    {
        using var repository = DeployRepository.Real();

        using var refusing = LoopbackPorts.Refusing();
        var result = ExternalTool.Run("bash", [repository.PathOf("deploy/docker/healthcheck.sh"), refusing.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], "bash is needed");

        Assert.NotEqual(0, result.ExitCode);
    }
}
