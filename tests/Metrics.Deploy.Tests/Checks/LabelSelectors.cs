using k8s.Models;

namespace Metrics.Deploy.Tests.Checks;

/// <summary>Kubernetes label-selector semantics (matchLabels and matchExpressions).</summary>
internal static class LabelSelectors
{
    public static bool Matches(V1LabelSelector? selector, IDictionary<string, string>? labels)
    {
        labels ??= new Dictionary<string, string>();
        if (selector is null)
        {
            return false;
        }

        var byLabels = selector.MatchLabels?.All(p => labels.TryGetValue(p.Key, out var v) && v == p.Value) ?? true;
        var byExpressions = selector.MatchExpressions?.All(e => e.OperatorProperty switch
        {
            "In" => labels.TryGetValue(e.Key, out var v) && e.Values.Contains(v),
            "NotIn" => !labels.TryGetValue(e.Key, out var v) || !e.Values.Contains(v),
            "Exists" => labels.ContainsKey(e.Key),
            "DoesNotExist" => !labels.ContainsKey(e.Key),
            _ => false,
        }) ?? true;
        return byLabels && byExpressions;
    }

    public static bool Matches(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        selector is { Count: > 0 } && selector.All(p => labels is not null && labels.TryGetValue(p.Key, out var v) && v == p.Value);
}
