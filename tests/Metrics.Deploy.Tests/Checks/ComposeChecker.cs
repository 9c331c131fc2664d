using System.Globalization;
using System.Text.Json.Nodes;
using Metrics.Deploy.Tests.Support;

namespace Metrics.Deploy.Tests.Checks;

/// <summary>Cross-checks docker-compose.yml (already interpolated) against the services' real configuration.</summary>
internal sealed class ComposeChecker(string root, IReadOnlyDictionary<string, Component> components)
{
    private readonly List<string> problems = [];

    public IReadOnlyList<string> Check(JsonObject compose)
    {
        problems.Clear();
        var services = compose["services"]?.AsObject() ?? [];
        var volumes = compose["volumes"]?.AsObject() ?? [];
        foreach (var required in new[] { "postgres", "migrate", "ingest", "query", "exporter", "tensorboard" })
        {
            if (!services.ContainsKey(required))
            {
                problems.Add($"compose: no service {required}");
            }
        }

        foreach (var (name, node) in services)
        {
            CheckService(name, node!.AsObject(), services, volumes);
        }

        CheckDatabaseIsolation(services);
        CheckStandbys(services);
        return problems.ToList();
    }

    private void Problem(string service, string what) => problems.Add($"compose service {service}: {what}");

    private void CheckService(string name, JsonObject service, JsonObject services, JsonObject volumes)
    {
        foreach (var mount in Strings(service["volumes"]))
        {
            var source = mount.Split(':')[0];
            if (!source.StartsWith('.') && !source.StartsWith('/') && !volumes.ContainsKey(source))
            {
                Problem(name, $"volume {source} is not declared under volumes:");
            }
        }

        foreach (var dependency in (service["depends_on"] as JsonObject ?? []).Select(p => p.Key))
        {
            if (!services.ContainsKey(dependency))
            {
                Problem(name, $"depends on {dependency}, which is not a service");
            }
        }

        var image = service["image"]?.GetValue<string>();
        if (image is null || !components.TryGetValue(ServiceCatalog.ComponentOfImage(image), out var component))
        {
            return;
        }

        var dockerfile = service["build"]?["dockerfile"]?.GetValue<string>();
        if (dockerfile != component.Dockerfile)
        {
            Problem(name, $"builds {dockerfile ?? "nothing"}, but {component.Name}'s Dockerfile is {component.Dockerfile}");
        }

        var target = service["build"]?["target"]?.GetValue<string>();
        if (target != component.Target)
        {
            Problem(name, $"builds target {target ?? "(none: the last stage)"}, but {component.Name}'s image is target {component.Target ?? "(none)"} of {component.Dockerfile}");
        }

        if (service["build"]?["context"]?.GetValue<string>() is not ".")
        {
            Problem(name, "the build context must be the repository root (.)");
        }

        var environment = (service["environment"] as JsonObject ?? []).ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "", StringComparer.Ordinal);
        foreach (var variable in environment.Keys.Where(v => !component.Settings.ContainsKey(v)))
        {
            Problem(name, $"environment {variable} is not a setting of {component.Name} (it reads: {string.Join(", ", component.Settings.Keys.Order(StringComparer.Ordinal))})");
        }

        var command = Strings(service["command"]).ToList();
        var required = component.Required.ToList();
        if (component.Name == "cli" && command.Take(2).SequenceEqual(["db", "migrate"]))
        {
            required.Add(ServiceCatalog.EnvironmentPrefix + "DATABASE_URL");
        }

        foreach (var variable in required.Where(v => !environment.ContainsKey(v)))
        {
            Problem(name, $"{variable} is required by {component.Name} but not set");
        }

        var listening = component.Ports(environment);
        foreach (var mapping in Strings(service["ports"]))
        {
            var containerPort = int.Parse(mapping.Split(':')[^1].Split('/')[0], CultureInfo.InvariantCulture);
            if (!listening.Values.Contains(containerPort))
            {
                Problem(name, $"publishes container port {containerPort}, but {component.Name} listens on {string.Join(", ", listening.Select(p => $"{p.Key}={p.Value}"))}");
            }
            else if (listening.TryGetValue(ServiceCatalog.TensorBoardPortName, out var tensorBoard) && tensorBoard == containerPort)
            {
                Problem(name, $"publishes the TensorBoard port {containerPort}, which has no authentication: only the tensorboard service may reach it");
            }
        }

        if (service["read_only"]?.ToString() != "true" || !Strings(service["tmpfs"]).Contains("/tmp"))
        {
            Problem(name, "needs read_only: true with a /tmp tmpfs");
        }

        if (!Strings(service["cap_drop"]).Contains("ALL") || !Strings(service["security_opt"]).Contains("no-new-privileges:true"))
        {
            Problem(name, "needs cap_drop: [ALL] and security_opt: [no-new-privileges:true]");
        }

        if (component.Name == "cli")
        {
            return;
        }

        if (component.Name != "tensorboard")
        {
            if (service["depends_on"]?["migrate"]?["condition"]?.ToString() != "service_completed_successfully")
            {
                Problem(name, "must depend on migrate with condition service_completed_successfully");
            }

            var shutdown = component.Effective(ServiceCatalog.EnvironmentPrefix + "SHUTDOWN_TIMEOUT_SECONDS", environment);
            var grace = service["stop_grace_period"]?.ToString();
            if (shutdown is not null && (grace is null || !grace.EndsWith('s') || int.Parse(grace[..^1], CultureInfo.InvariantCulture) <= int.Parse(shutdown, CultureInfo.InvariantCulture)))
            {
                Problem(name, $"stop_grace_period ({grace ?? "10s default"}) must exceed METRICS_SHUTDOWN_TIMEOUT_SECONDS ({shutdown} s)");
            }
        }

        var logdir = component.Name switch
        {
            "exporter" => component.Effective(ServiceCatalog.EnvironmentPrefix + "LOGDIR", environment),
            "tensorboard" => "/logdir",
            _ => null,
        };
        if (component.Name is "exporter" or "tensorboard")
        {
            var mount = Strings(service["volumes"]).FirstOrDefault(v => logdir is not null && v.Split(':').ElementAtOrDefault(1) == logdir);
            if (mount is null)
            {
                Problem(name, $"the logdir {logdir ?? "(METRICS_LOGDIR unset)"} is not a mounted volume");
            }
            else if (component.Name == "tensorboard" && !mount.EndsWith(":ro", StringComparison.Ordinal))
            {
                Problem(name, "TensorBoard must mount the logdir read-only (:ro)");
            }
        }

        if (!File.Exists(Path.Combine(root, component.Dockerfile)))
        {
            Problem(name, $"{component.Dockerfile} does not exist");
        }
    }

    /// <summary>Only database clients share a network with PostgreSQL.</summary>
    private void CheckDatabaseIsolation(JsonObject services)
    {
        if (services["postgres"] is not JsonObject postgres)
        {
            return;
        }

        var databaseNetworks = Networks(postgres).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, node) in services)
        {
            var image = node?["image"]?.ToString();
            var component = image is null ? null : ServiceCatalog.ComponentOfImage(image);
            if (name == "postgres" || IsPostgres(node!.AsObject()) || (component is not null && KubernetesChecker.DatabaseClients.Contains(component)))
            {
                continue;
            }

            if (Networks(node!.AsObject()).Any(databaseNetworks.Contains))
            {
                Problem(name, "shares a network with postgres, but only migrate, ingest, query and exporter may reach it");
            }
        }
    }

    /// <summary>
    /// Standbys (other PostgreSQL servers): started only with a profile, so that the default stack
    /// stays one server, and on the primary's image, as a physical replica needs its major version.
    /// </summary>
    private void CheckStandbys(JsonObject services)
    {
        var primaryImage = services["postgres"]?["image"]?.ToString();
        foreach (var (name, node) in services)
        {
            if (name == "postgres" || node is not JsonObject service || !IsPostgres(service))
            {
                continue;
            }

            if (!Strings(service["profiles"]).Any())
            {
                Problem(name, "a standby must belong to a profile (e.g. ha): the default stack runs one PostgreSQL");
            }

            if (service["image"]?.ToString() != primaryImage)
            {
                Problem(name, $"runs {service["image"]}, but a physical standby needs the primary's image {primaryImage}");
            }
        }
    }

    private static bool IsPostgres(JsonObject service) =>
        service["image"]?.ToString() is { } image && (image.StartsWith("postgres:", StringComparison.Ordinal) || image == "postgres");

    private static IEnumerable<string> Networks(JsonObject service) => service["networks"] switch
    {
        JsonArray list => list.Select(n => n!.ToString()),
        JsonObject map => map.Select(p => p.Key),
        _ => ["default"],
    };

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonArray list => list.Select(n => n?.ToString() ?? ""),
        JsonValue value => [value.ToString()],
        _ => [],
    };
}
