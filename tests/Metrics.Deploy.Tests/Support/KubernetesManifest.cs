using k8s;
using k8s.Models;

namespace Metrics.Deploy.Tests.Support;

/// <summary>Rendered Kubernetes objects, parsed into the KubernetesClient's typed models.</summary>
internal static class KubernetesManifest
{
    /// <summary>
    /// Parses every document strictly: an unknown field, a wrong type or an apiVersion/kind the
    /// Kubernetes API does not have throws, naming the document. CloudNativePG's kinds are known,
    /// their spec kept as YAML (<see cref="CnpgResource"/>).
    /// </summary>
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Parse(string yaml)
    {
        List<object> objects;
        try
        {
            objects = KubernetesYaml.LoadAllFromString(yaml, CustomResources, strict: true);
        }
        catch (KeyNotFoundException e)
        {
            throw new InvalidDataException("an object has an apiVersion/kind that Kubernetes does not define: " + e.Message, e);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException($"not a valid Kubernetes object at {e.Start}: {Describe(e)}", e);
        }

        return objects.Cast<IKubernetesObject<V1ObjectMeta>>().ToList();
    }

    // Custom resources the overlays use (the ha overlay's CloudNativePG cluster), beside the built-in kinds.
    private static readonly Dictionary<string, Type> CustomResources =
        CnpgResource.Kinds.ToDictionary(kind => CnpgResource.ApiVersionName + "/" + kind, _ => typeof(CnpgResource));

    private static string Describe(Exception e)
    {
        var messages = new List<string>();
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            messages.Add(inner.Message);
        }

        return string.Join(" <- ", messages);
    }
}
