using k8s;
using k8s.Models;
using Metrics.Deploy.Tests.Support;

namespace Metrics.Deploy.Tests;

/// <summary>What the strict typed parse rejects, and that the lenient one would not have.</summary>
public sealed class KubernetesManifestTests
{
    private const string Deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: example
        spec:
          selector:
            matchLabels:
              app: example
          template:
            metadata:
              labels:
                app: example
            spec:
              containers:
                - name: example
                  image: example:1
                  ports:
                    - containerPort: 8080
        """;

    [Fact]
    public void Parse_ValidDeployment_ReturnsTypedObject()
    {
        var deployment = Assert.IsType<V1Deployment>(Assert.Single(KubernetesManifest.Parse(Deployment)));

        Assert.Equal(8080, deployment.Spec.Template.Spec.Containers[0].Ports[0].ContainerPort);
    }

    [Fact]
    public void Parse_UnknownNestedField_Throws()
    {
        var yaml = Deployment.Replace("- containerPort: 8080", "- containerPort: 8080\n              hostPortt: 80", StringComparison.Ordinal);

        var error = Assert.Throws<InvalidDataException>(() => KubernetesManifest.Parse(yaml));

        Assert.True(error.Message.Contains("hostPortt", StringComparison.Ordinal), error.Message);
        Assert.Single(KubernetesYaml.LoadAllFromString(yaml, strict: false)); // the lenient parse would let it through
    }

    [Fact]
    public void Parse_UnknownKind_Throws()
    {
        var yaml = Deployment.Replace("kind: Deployment", "kind: Deploymnet", StringComparison.Ordinal);

        Assert.Throws<InvalidDataException>(() => KubernetesManifest.Parse(yaml));
    }

    [Fact]
    public void Parse_DuplicateKey_Throws()
    {
        var yaml = Deployment.Replace("  name: example\nspec:", "  name: example\n  name: other\nspec:", StringComparison.Ordinal);

        Assert.Throws<InvalidDataException>(() => KubernetesManifest.Parse(yaml));
    }
}
