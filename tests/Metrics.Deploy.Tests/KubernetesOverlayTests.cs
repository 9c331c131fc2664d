using Metrics.Deploy.Tests.Checks;
using Metrics.Deploy.Tests.Support;

namespace Metrics.Deploy.Tests;

public sealed class KubernetesOverlayTests
{
    /// <summary>Secrets that prod expects to exist (created outside git, e.g. by External Secrets).</summary>
    internal static IReadOnlySet<string> ExternalSecrets(string overlay) => overlay switch
    {
        "prod" => new HashSet<string>(StringComparer.Ordinal) { "metrics-secrets" },
        // metrics-db-app is created by the CloudNativePG operator with the cluster.
        "ha" => new HashSet<string>(StringComparer.Ordinal) { "metrics-secrets", "metrics-db-app" },
        _ => new HashSet<string>(StringComparer.Ordinal),
    };

    internal static IReadOnlyList<string> RenderAndCheck(DeployRepository repository, string overlay)
    {
        var yaml = Kustomize.Render(repository.PathOf("deploy/k8s/overlays/" + overlay));
        var objects = KubernetesManifest.Parse(yaml);
        var checker = new KubernetesChecker(ServiceCatalog.Load(repository.Root), ExternalSecrets(overlay), ProtoServices.Load(repository.Root));
        return checker.Check(objects.Cast<object>().ToList());
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    [InlineData("ha")]
    public void Overlay_AsShipped_RendersValidatesAndAgreesWithServices(string overlay)
    {
        using var repository = DeployRepository.Real();

        var problems = RenderAndCheck(repository, overlay);

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Base_AsShipped_RendersAndParsesStrictly()
    {
        using var repository = DeployRepository.Real();

        var objects = KubernetesManifest.Parse(Kustomize.Render(repository.PathOf("deploy/k8s/base")));

        Assert.Contains(objects, o => o.Kind == "Job" && o.Metadata.Name == "metrics-migrate");
    }

    [Fact]
    public void Overlay_Dev_GeneratesPlaceholderSecretWithBothKeys()
    {
        using var repository = DeployRepository.Real();

        var objects = KubernetesManifest.Parse(Kustomize.Render(repository.PathOf("deploy/k8s/overlays/dev")));

        var secret = Assert.Single(objects.OfType<k8s.Models.V1Secret>(), s => s.Metadata.Name.StartsWith("metrics-secrets", StringComparison.Ordinal));
        Assert.Equal(["DATABASE_URL", "TOKEN_PEPPER"], secret.Data.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Overlay_Prod_RendersNoSecret()
    {
        using var repository = DeployRepository.Real();

        var objects = KubernetesManifest.Parse(Kustomize.Render(repository.PathOf("deploy/k8s/overlays/prod")));

        Assert.DoesNotContain(objects, o => o.Kind == "Secret");
    }

    [Fact]
    public void Overlay_Ha_ThreeSynchronousInstancesWritersOnRwQueryReadsOnRo()
    {
        using var repository = DeployRepository.Real();

        var objects = KubernetesManifest.Parse(Kustomize.Render(repository.PathOf("deploy/k8s/overlays/ha")));

        var cluster = Assert.Single(objects.OfType<CnpgResource>(), r => r.Kind == "Cluster");
        Assert.Equal(("metrics-db", "3", "1", "required"), (cluster.Metadata.Name, Text(cluster.At("instances")), Text(cluster.At("postgresql.synchronous.number")), Text(cluster.At("postgresql.synchronous.dataDurability"))));
        Assert.Contains(objects.OfType<CnpgResource>(), r => r.Kind == "ScheduledBackup" && r.At("cluster.name") as string == "metrics-db");
        var env = objects.OfType<k8s.Models.V1Deployment>().ToDictionary(d => d.Metadata.Name, d => d.Spec.Template.Spec.Containers[0].Env.ToDictionary(e => e.Name, e => e.Value));
        foreach (var writer in new[] { "metrics-ingest", "metrics-exporter", "metrics-query" })
        {
            Assert.Contains("@metrics-db-rw:5432/metrics?target_session_attrs=read-write", env[writer]["METRICS_DATABASE_URL"], StringComparison.Ordinal);
        }

        Assert.Contains("@metrics-db-ro:5432/metrics", env["metrics-query"]["METRICS_DATABASE_READ_URL"], StringComparison.Ordinal);
        Assert.DoesNotContain(objects, o => o.Kind == "Secret");
    }

    [Theory]
    [InlineData("  instances: 3\n", "  instances: 1\n", "needs at least 3 instances")]
    [InlineData("      number: 1\n", "      number: 0\n", "needs synchronous replication")]
    [InlineData("      dataDurability: required\n", "      dataDurability: preferred\n", "acknowledges commits on the primary alone")]
    [InlineData("@metrics-db-ro:5432", "@metrics-db-rw:5432", "reads belong on -ro")]
    [InlineData("@metrics-db-rw:5432/metrics?target_session_attrs=read-write", "@metrics-db-ro:5432/metrics?target_session_attrs=read-write", "writers need -rw")]
    public void Overlay_HaBroken_ReportsIt(string from, string to, string expected)
    {
        using var repository = DeployRepository.Scratch();
        var file = from.Contains('@', StringComparison.Ordinal) ? "deploy/k8s/overlays/ha/kustomization.yaml" : "deploy/k8s/overlays/ha/cluster.yaml";
        repository.Replace(file, from, to);

        var problems = RenderAndCheck(repository, "ha");

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    private static string? Text(object? value) => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
}
