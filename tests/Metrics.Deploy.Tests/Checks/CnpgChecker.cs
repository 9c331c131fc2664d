using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;
using Metrics.Deploy.Tests.Support;

namespace Metrics.Deploy.Tests.Checks;

/// <summary>
/// An overlay's CloudNativePG cluster (docs/operations.md): three instances or more, synchronous
/// replication, storage, backups that name it; and the services' URLs on its services: writers on
/// the primary's -rw, query's read URL on the standbys' -ro (or -r).
/// </summary>
internal static partial class CnpgChecker
{
    public static IEnumerable<string> Check(IReadOnlyList<object> objects, IEnumerable<Workload> workloads)
    {
        var clusters = objects.OfType<CnpgResource>().Where(r => r.Kind == "Cluster").ToList();
        foreach (var cluster in clusters)
        {
            var where = "Cluster/" + cluster.Metadata.Name;
            if (Number(cluster.At("instances")) is not >= 3)
            {
                yield return where + ": needs at least 3 instances (a primary and two standbys)";
            }

            if (Number(cluster.At("postgresql.synchronous.number")) is not >= 1 && Number(cluster.At("minSyncReplicas")) is not >= 1)
            {
                yield return where + ": needs synchronous replication (postgresql.synchronous.number or minSyncReplicas ≥ 1): an ack must mean two servers";
            }

            if (cluster.At("postgresql.synchronous.dataDurability") is "preferred")
            {
                yield return where + ": dataDurability preferred acknowledges commits on the primary alone when the standbys are gone";
            }

            if (cluster.At("storage.size") is null)
            {
                yield return where + ": storage.size is missing";
            }
        }

        foreach (var backup in objects.OfType<CnpgResource>().Where(r => r.Kind == "ScheduledBackup"))
        {
            var name = backup.At("cluster.name") as string;
            var cluster = clusters.FirstOrDefault(c => c.Metadata.Name == name);
            if (cluster is null)
            {
                yield return $"ScheduledBackup/{backup.Metadata.Name}: names cluster {name}, which is not rendered";
            }
            else if (cluster.At("backup") is null)
            {
                yield return $"ScheduledBackup/{backup.Metadata.Name}: cluster {name} has no backup stanza (object store)";
            }
        }

        var names = clusters.Select(c => c.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var workload in workloads)
        {
            foreach (var container in workload.Template.Spec.Containers)
            {
                foreach (var variable in container.Env ?? [])
                {
                    if (variable.Value is null || HostPattern().Match(variable.Value) is not { Success: true } match)
                    {
                        continue;
                    }

                    var (cluster, service) = (match.Groups["cluster"].Value, match.Groups["service"].Value);
                    var where = $"{workload.Id}/{container.Name}: {variable.Name}";
                    if (!names.Contains(cluster))
                    {
                        yield return $"{where} names {cluster}-{service}, but no Cluster {cluster} is rendered";
                    }
                    else if (variable.Name == "METRICS_DATABASE_READ_URL" ? service is not ("ro" or "r") : service != "rw")
                    {
                        yield return $"{where} goes to {cluster}-{service}; " + (variable.Name == "METRICS_DATABASE_READ_URL" ? "reads belong on -ro (the standbys)" : "writers need -rw (the primary)");
                    }
                }
            }
        }
    }

    private static int? Number(object? value) =>
        int.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    [GeneratedRegex(@"@(?<cluster>[a-z0-9-]+?)-(?<service>rw|ro|r)(\.[a-z0-9.-]+)?:\d+/")]
    private static partial Regex HostPattern();
}
