using k8s.Models;

namespace Metrics.Deploy.Tests.Checks;

/// <summary>Anything that runs pods: a Deployment, StatefulSet or Job, with its pod template.</summary>
internal sealed record Workload(string Kind, string Name, V1PodTemplateSpec Template, bool RunsToCompletion)
{
    public string Id => $"{Kind}/{Name}";

    public static IEnumerable<Workload> From(IEnumerable<object> objects)
    {
        foreach (var o in objects)
        {
            switch (o)
            {
                case V1Deployment d:
                    yield return new Workload("Deployment", d.Metadata.Name, d.Spec.Template, false);
                    break;
                case V1StatefulSet s:
                    yield return new Workload("StatefulSet", s.Metadata.Name, s.Spec.Template, false);
                    break;
                case V1Job j:
                    yield return new Workload("Job", j.Metadata.Name, j.Spec.Template, true);
                    break;
                default:
                    break;
            }
        }
    }
}
