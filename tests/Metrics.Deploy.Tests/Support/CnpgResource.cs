using k8s;
using k8s.Models;

namespace Metrics.Deploy.Tests.Support;

/// <summary>
/// A CloudNativePG object (postgresql.cnpg.io/v1 Cluster, ScheduledBackup): the Kubernetes client
/// has no model for it, so its spec is kept as parsed YAML and checked by <see cref="Checks.CnpgChecker"/>.
/// </summary>
internal sealed class CnpgResource : IKubernetesObject<V1ObjectMeta>
{
    public const string ApiVersionName = "postgresql.cnpg.io/v1";

    public static readonly IReadOnlyList<string> Kinds = ["Cluster", "ScheduledBackup"];

    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public V1ObjectMeta Metadata { get; set; } = new();

    public Dictionary<object, object?> Spec { get; set; } = [];

    /// <summary>The value at a dotted path of the spec (e.g. "postgresql.synchronous.number"), or null.</summary>
    public object? At(string path)
    {
        object? node = Spec;
        foreach (var key in path.Split('.'))
        {
            node = node is Dictionary<object, object?> map && map.TryGetValue(key, out var next) ? next : null;
        }

        return node;
    }
}
