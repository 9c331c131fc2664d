using Metrics.Deploy.Tests.Checks;
using Metrics.Deploy.Tests.Support;

namespace Metrics.Deploy.Tests;

/// <summary>The shipped CLI image holds no service, benchmark, example or development tool.</summary>
public sealed class CliImageTests
{
    [Fact]
    public void Check_AsShipped_PublishesOnlyTheCliAndItsLibraries()
    {
        using var repository = DeployRepository.Real();

        var problems = CliImageChecker.Check(ProjectGraph.Load(repository.Root), Dockerfile.Load(repository.PathOf(ServiceCatalog.DotNetDockerfile)));

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Theory]
    [InlineData(ServiceCatalog.DotNetDockerfile, "FROM build-cli AS publish-cli\n", "COPY services/ services/\n\nFROM build-cli AS publish-cli\n", "the cli image's build copies services/; it copies only what src/Metrics.Cli/Metrics.Cli.csproj references")]
    [InlineData(ServiceCatalog.DotNetDockerfile, "FROM build-cli AS publish-cli\n", "COPY . .\n\nFROM build-cli AS publish-cli\n", "the cli image's build copies the whole context")]
    [InlineData(ServiceCatalog.DotNetDockerfile, "dotnet publish src/Metrics.Cli/Metrics.Cli.csproj -c Release -o /app --no-restore -p:UseAppHost=false", "dotnet publish src/Metrics.Cli/Metrics.Cli.csproj -c Release -o /app --no-restore -p:UseAppHost=false -p:ErrorOnDuplicatePublishOutputFiles=false", "the cli image publishes with ErrorOnDuplicatePublishOutputFiles")]
    [InlineData(CliImageChecker.Project, "<ProjectReference Include=\"../Metrics.Client/Metrics.Client.csproj\" />", "<ProjectReference Include=\"../Metrics.Client/Metrics.Client.csproj\" /><ProjectReference Include=\"../../bench/Metrics.Bench/Metrics.Bench.csproj\" />", "src/Metrics.Cli/Metrics.Cli.csproj: references bench/Metrics.Bench/Metrics.Bench.csproj")]
    [InlineData(CliImageChecker.Project, "<ProjectReference Include=\"../Metrics.Client/Metrics.Client.csproj\" />", "<ProjectReference Include=\"../Metrics.Client/Metrics.Client.csproj\" /><ProjectReference Include=\"../../services/ingest/Metrics.Ingest.csproj\" />", "src/Metrics.Cli/Metrics.Cli.csproj: references services/ingest/Metrics.Ingest.csproj")]
    public void Check_BrokenCliImage_ReportsIt(string file, string from, string to, string expected)
    {
        using var repository = DeployRepository.Scratch();
        repository.Replace(file, from, to);

        var problems = CliImageChecker.Check(ProjectGraph.Load(repository.Root), Dockerfile.Load(repository.PathOf(ServiceCatalog.DotNetDockerfile)));

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }
}
