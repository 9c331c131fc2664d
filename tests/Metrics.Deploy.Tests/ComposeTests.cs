using Metrics.Deploy.Tests.Checks;
using Metrics.Deploy.Tests.Support;

namespace Metrics.Deploy.Tests;

public sealed class ComposeTests
{
    private const string DockerComposeHint =
        "The compose check needs Debian's docker-compose (`apt-get install -y docker-compose`; `config` needs no Docker engine): CI installs it in .ci/run.";

    private static IReadOnlyList<string> Check(DeployRepository repository) =>
        new ComposeChecker(repository.Root, ServiceCatalog.Load(repository.Root))
            .Check(ComposeFile.Load(repository.PathOf("docker-compose.yml"), repository.PathOf(".env.example")));

    private static ExternalTool.Result DockerComposeConfig(DeployRepository repository) =>
        ExternalTool.Run("docker-compose", ["--project-directory", repository.Root, "-f", repository.PathOf("docker-compose.yml"), "--env-file", repository.PathOf(".env.example"), "config", "-q"], DockerComposeHint, repository.Root);

    [Fact]
    public void Compose_AsShipped_AgreesWithServices()
    {
        using var repository = DeployRepository.Real();

        var problems = Check(repository);

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void DockerComposeConfig_AsShipped_Validates()
    {
        using var repository = DeployRepository.Real();

        var result = DockerComposeConfig(repository);

        Assert.True(result.ExitCode == 0, result.Stderr);
    }

    [Fact]
    public void DockerComposeConfig_UnknownOption_Fails()
    {
        using var repository = DeployRepository.Scratch();
        repository.Replace("docker-compose.yml", "    restart: \"no\"\n", "    restart: \"no\"\n    restart_policy: never\n");

        var result = DockerComposeConfig(repository);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("restart_policy", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EnvFileWithoutSecrets_FailsNamingTheSecret()
    {
        using var repository = DeployRepository.Scratch();
        repository.Replace(".env.example", "POSTGRES_PASSWORD=change-me-postgres-password\n", "");

        var error = Assert.Throws<InvalidDataException>(() => Check(repository));

        Assert.Contains("POSTGRES_PASSWORD", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("      METRICS_HTTP_PORT: \"8080\"\n", "      METRICS_HTTP_PORT: \"8080\"\n      METRICS_QUERY_TIMEOUT: \"5\"\n", "environment METRICS_QUERY_TIMEOUT is not a setting of query")]
    [InlineData("${QUERY_HTTP_PORT:-8080}:8080", "${QUERY_HTTP_PORT:-8080}:8088", "publishes container port 8088, but query listens on http=8080")]
    [InlineData("      METRICS_GRPC_PORT: \"50051\"\n", "      METRICS_GRPC_PORT: \"50052\"\n", "publishes container port 50051, but ingest listens on")]
    [InlineData("      - logdir:/logdir:ro\n", "      - logdir:/logdir\n", "TensorBoard must mount the logdir read-only")]
    [InlineData("      - \"${HOST_ADDRESS:-0.0.0.0}:${QUERY_HTTP_PORT:-8080}:8080\"\n", "      - \"${HOST_ADDRESS:-0.0.0.0}:${QUERY_HTTP_PORT:-8080}:8080\"\n      - \"6806:6806\"\n", "publishes the TensorBoard port 6806, which has no authentication")]
    [InlineData("      METRICS_TENSORBOARD_PROJECTS:", "      METRICS_TENSORBOARD_PROJECT:", "environment METRICS_TENSORBOARD_PROJECT is not a setting of query")]
    [InlineData("      METRICS_LOGDIR: /logdir\n", "      METRICS_LOGDIR: /data/logdir\n", "the logdir /data/logdir is not a mounted volume")]
    [InlineData("  dockerfile: deploy/docker/Dockerfile\n", "  dockerfile: deploy/docker/Dockerfile.prod\n", "builds deploy/docker/Dockerfile.prod, but query's Dockerfile is deploy/docker/Dockerfile")]
    [InlineData("      target: query\n", "      target: ingest\n", "builds target ingest, but query's image is target query")]
    [InlineData("      target: cli\n", "", "builds target (none: the last stage), but cli's image is target cli")]
    [InlineData("      condition: service_completed_successfully\n", "      condition: service_started\n", "must depend on migrate with condition service_completed_successfully")]
    [InlineData("  stop_grace_period: 35s\n", "  stop_grace_period: 20s\n", "stop_grace_period (20s) must exceed METRICS_SHUTDOWN_TIMEOUT_SECONDS (25 s)")]
    [InlineData("      - logdir:/logdir:ro\n", "      - logdir:/logdir:ro\n      - exports:/exports\n", "volume exports is not declared")]
    [InlineData("    networks:\n      - frontend\n", "    networks:\n      - frontend\n      - backend\n", "shares a network with postgres")]
    [InlineData("    image: postgres:17\n    profiles: [\"ha\"]\n", "    image: postgres:16\n    profiles: [\"ha\"]\n", "runs postgres:16, but a physical standby needs the primary's image postgres:17")]
    [InlineData("    profiles: [\"ha\"]\n", "", "a standby must belong to a profile")]
    public void Check_BrokenCompose_ReportsIt(string from, string to, string expected)
    {
        using var repository = DeployRepository.Scratch();
        repository.Replace("docker-compose.yml", from, to);

        var problems = Check(repository);

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }
}
