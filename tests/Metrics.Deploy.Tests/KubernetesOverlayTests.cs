using Metrics.Deploy.Tests.Checks;
using Metrics.Deploy.Tests.Support;

namespace Metrics.Deploy.Tests;

public sealed class KubernetesOverlayTests
{
    /// <summary>Secrets that prod expects to exist (created outside git, e.g. by External Secrets).</summary>
    internal static IReadOnlySet<string> ExternalSecrets(string overlay) =>
        overlay == "prod" ? new HashSet<string>(StringComparer.Ordinal) { "metrics-secrets" } : new HashSet<string>(StringComparer.Ordinal);

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
}
