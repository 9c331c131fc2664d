using System.Globalization;
using k8s.Models;
using Metrics.Deploy.Tests.Support;

namespace Metrics.Deploy.Tests.Checks;

/// <summary>
/// Cross-checks rendered Kubernetes objects against each other and against the services' real
/// configuration. Returns one line per problem; an empty list means the overlay is consistent.
/// </summary>
internal sealed class KubernetesChecker(IReadOnlyDictionary<string, Component> components, IReadOnlySet<string> externalSecrets, IReadOnlySet<string> grpcServicePaths)
{
    public const string DatabaseClientLabel = "metrics.dev/database-client";
    public const int PostgresPort = 5432;

    /// <summary>The components that may talk to PostgreSQL, and only they.</summary>
    public static readonly IReadOnlySet<string> DatabaseClients = new HashSet<string>(StringComparer.Ordinal) { "ingest", "query", "exporter", "cli" };

    private readonly List<string> problems = [];

    public IReadOnlyList<string> Check(IReadOnlyList<object> objects)
    {
        problems.Clear();
        var workloads = Workload.From(objects).ToList();
        foreach (var workload in workloads)
        {
            CheckPodSecurity(workload);
            CheckContainers(workload, objects);
        }

        CheckRequiredObjects(objects, workloads);
        CheckServices(objects.OfType<V1Service>(), workloads);
        CheckIngresses(objects.OfType<V1Ingress>(), objects.OfType<V1Service>().ToList());
        CheckScaling(objects, workloads);
        CheckNetworkPolicies(objects.OfType<V1NetworkPolicy>().ToList(), workloads);
        problems.AddRange(CnpgChecker.Check(objects, workloads));
        return problems.ToList();
    }

    private void Problem(string where, string what) => problems.Add($"{where}: {what}");

    private static string? ComponentName(V1Container container) =>
        container.Image is null ? null : ServiceCatalog.ComponentOfImage(container.Image);

    private void CheckPodSecurity(Workload workload)
    {
        var spec = workload.Template.Spec;
        if (spec.SecurityContext?.RunAsNonRoot != true)
        {
            Problem(workload.Id, "pod securityContext.runAsNonRoot must be true");
        }

        if (spec.SecurityContext?.SeccompProfile?.Type != "RuntimeDefault")
        {
            Problem(workload.Id, "pod securityContext.seccompProfile.type must be RuntimeDefault");
        }

        if (spec.AutomountServiceAccountToken != false)
        {
            Problem(workload.Id, "automountServiceAccountToken must be false (no workload calls the Kubernetes API)");
        }

        foreach (var container in spec.Containers.Concat(spec.InitContainers ?? []))
        {
            var where = $"{workload.Id} container {container.Name}";
            var security = container.SecurityContext;
            if (security?.AllowPrivilegeEscalation != false)
            {
                Problem(where, "securityContext.allowPrivilegeEscalation must be false");
            }

            if (security?.ReadOnlyRootFilesystem != true)
            {
                Problem(where, "securityContext.readOnlyRootFilesystem must be true");
            }

            if (security?.Capabilities?.Drop?.Contains("ALL") != true)
            {
                Problem(where, "securityContext.capabilities.drop must contain ALL");
            }

            if (security?.ReadOnlyRootFilesystem == true && container.VolumeMounts?.Any(m => m.MountPath == "/tmp") != true)
            {
                Problem(where, "a read-only root filesystem needs a writable volume mounted at /tmp");
            }

            foreach (var mount in container.VolumeMounts ?? [])
            {
                if (spec.Volumes?.Any(v => v.Name == mount.Name) != true && workload.Kind != "StatefulSet")
                {
                    Problem(where, $"volumeMount {mount.Name} names no volume of the pod");
                }
            }
        }
    }

    private void CheckContainers(Workload workload, IReadOnlyList<object> objects)
    {
        var spec = workload.Template.Spec;
        foreach (var container in spec.Containers)
        {
            var where = $"{workload.Id} container {container.Name}";
            if (string.IsNullOrEmpty(container.Name) || string.IsNullOrEmpty(container.Image))
            {
                Problem(workload.Id, "every container needs a name and an image");
                continue;
            }

            CheckSecretReferences(where, container, objects);
            var name = ComponentName(container);
            if (name is null || !components.TryGetValue(name, out var component))
            {
                continue; // Third-party images (the dev PostgreSQL) are checked for security only.
            }

            if (container.EnvFrom is { Count: > 0 })
            {
                Problem(where, "envFrom hides which variables a service gets: list them under env");
            }

            var environment = new Dictionary<string, string>(StringComparer.Ordinal);
            var env = container.Env ?? [];
            foreach (var twice in env.GroupBy(v => v.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                // Kubernetes keeps the last entry of a name: an overlay that adds one beside the base's hides it.
                Problem(where, $"env {twice.Key} is set {twice.Count()} times");
            }

            foreach (var (variable, index) in env.Select((v, i) => (v, i)))
            {
                // A variable only composed into a later one ($(NAME), e.g. a URL from a secret's
                // username and password) is Kubernetes' business, not a setting.
                var composed = env.Skip(index + 1).Any(later => later.Value?.Contains("$(" + variable.Name + ")", StringComparison.Ordinal) == true);
                if (!component.Settings.ContainsKey(variable.Name) && !composed)
                {
                    Problem(where, $"env {variable.Name} is not a setting of {name} (it reads: {string.Join(", ", component.Settings.Keys.Order(StringComparer.Ordinal))})");
                }

                environment[variable.Name] = variable.Value ?? "<from " + (variable.ValueFrom?.SecretKeyRef?.Name ?? "elsewhere") + ">";
            }

            var command = container.Args ?? [];
            var required = component.Required.ToList();
            if (name == "cli" && command.Take(2).SequenceEqual(["db", "migrate"]))
            {
                required.Add(ServiceCatalog.EnvironmentPrefix + "DATABASE_URL");
            }

            foreach (var variable in required.Where(v => !environment.ContainsKey(v)))
            {
                Problem(where, $"{variable} is required by {name} but not set");
            }

            CheckPorts(where, component, container, environment);
            if (component.IsServer && !workload.RunsToCompletion)
            {
                CheckProbes(where, component, container);
                CheckShutdown(where, component, spec, container, environment);
            }

            CheckLogdir(where, component, spec, container, environment, objects);
        }
    }

    private void CheckSecretReferences(string where, V1Container container, IReadOnlyList<object> objects)
    {
        foreach (var reference in (container.Env ?? []).Select(e => e.ValueFrom?.SecretKeyRef).OfType<V1SecretKeySelector>())
        {
            if (externalSecrets.Contains(reference.Name))
            {
                continue;
            }

            var secret = objects.OfType<V1Secret>().FirstOrDefault(s => s.Metadata.Name == reference.Name);
            if (secret is null)
            {
                Problem(where, $"secretKeyRef names Secret {reference.Name}, which the overlay neither renders nor declares external");
            }
            else if (reference.Optional != true && secret.Data?.ContainsKey(reference.Key) != true && secret.StringData?.ContainsKey(reference.Key) != true)
            {
                Problem(where, $"Secret {reference.Name} has no key {reference.Key}");
            }
        }
    }

    private void CheckPorts(string where, Component component, V1Container container, Dictionary<string, string> environment)
    {
        var listening = component.Ports(environment);
        var declared = container.Ports ?? [];
        foreach (var (portName, port) in listening)
        {
            var match = declared.FirstOrDefault(p => p.Name == portName);
            if (match is null)
            {
                Problem(where, $"declares no port named {portName} ({component.Name} listens on {port})");
            }
            else if (match.ContainerPort != port)
            {
                Problem(where, $"port {portName} is {match.ContainerPort} but {component.Name} listens on {port}");
            }
        }

        foreach (var port in declared.Where(p => !listening.Values.Contains(p.ContainerPort)))
        {
            Problem(where, $"containerPort {port.ContainerPort} ({port.Name}) is not a port {component.Name} listens on ({string.Join(", ", listening.Select(p => $"{p.Key}={p.Value}"))})");
        }
    }

    private void CheckProbes(string where, Component component, V1Container container)
    {
        var probes = new Dictionary<string, V1Probe?>(StringComparer.Ordinal)
        {
            ["readinessProbe"] = container.ReadinessProbe,
            ["livenessProbe"] = container.LivenessProbe,
            ["startupProbe"] = container.StartupProbe,
        };
        foreach (var (kind, probe) in probes)
        {
            if (probe is null)
            {
                if (kind != "startupProbe")
                {
                    Problem(where, $"{kind} is missing");
                }

                continue;
            }

            if (probe.HttpGet is { } http)
            {
                if (!component.ProbePaths.Contains(http.Path ?? ""))
                {
                    Problem(where, $"{kind} path {http.Path} is not served by {component.Name} (it serves {string.Join(", ", component.ProbePaths.Order(StringComparer.Ordinal))})");
                }

                CheckPortReference(where, kind, container, http.Port?.Value);
            }
            else if (probe.Grpc is { } grpc)
            {
                CheckPortReference(where, kind, container, grpc.Port.ToString(CultureInfo.InvariantCulture));
            }
        }

        if (component.ProbePaths.Contains("/health/ready") && container.ReadinessProbe?.HttpGet?.Path != "/health/ready")
        {
            Problem(where, "readinessProbe must use /health/ready (database reachable and migrated)");
        }
    }

    private void CheckPortReference(string where, string what, V1Container container, string? port)
    {
        var ports = container.Ports ?? [];
        var known = int.TryParse(port, CultureInfo.InvariantCulture, out var number)
            ? ports.Any(p => p.ContainerPort == number)
            : ports.Any(p => p.Name == port);
        if (!known)
        {
            Problem(where, $"{what} uses port {port}, which the container does not declare");
        }
    }

    private void CheckShutdown(string where, Component component, V1PodSpec spec, V1Container container, Dictionary<string, string> environment)
    {
        var shutdown = component.Effective(ServiceCatalog.EnvironmentPrefix + "SHUTDOWN_TIMEOUT_SECONDS", environment);
        if (shutdown is null || !int.TryParse(shutdown, CultureInfo.InvariantCulture, out var seconds))
        {
            return;
        }

        var preStop = container.Lifecycle?.PreStop?.Sleep?.Seconds ?? 0;
        var grace = spec.TerminationGracePeriodSeconds ?? 30;
        if (grace <= seconds + preStop)
        {
            Problem(where, $"terminationGracePeriodSeconds {grace} must exceed preStop {preStop} s + METRICS_SHUTDOWN_TIMEOUT_SECONDS {seconds} s");
        }
    }

    private void CheckLogdir(string where, Component component, V1PodSpec spec, V1Container container, Dictionary<string, string> environment, IReadOnlyList<object> objects)
    {
        var logdirVariable = component.Name == "exporter" ? ServiceCatalog.EnvironmentPrefix + "LOGDIR" : null;
        var path = logdirVariable is null ? (component.Name == "tensorboard" ? "/logdir" : null) : component.Effective(logdirVariable, environment);
        if (path is null)
        {
            if (logdirVariable is not null)
            {
                Problem(where, $"{logdirVariable} is not set and has no default");
            }

            return;
        }

        var mount = container.VolumeMounts?.FirstOrDefault(m => m.MountPath == path);
        var claim = spec.Volumes?.FirstOrDefault(v => v.Name == mount?.Name)?.PersistentVolumeClaim?.ClaimName;
        if (claim is null)
        {
            Problem(where, $"the logdir {path} is not a mounted PersistentVolumeClaim");
            return;
        }

        var pvc = objects.OfType<V1PersistentVolumeClaim>().FirstOrDefault(p => p.Metadata.Name == claim);
        if (pvc is null)
        {
            Problem(where, $"PersistentVolumeClaim {claim} is not rendered");
        }
        else if (pvc.Spec.AccessModes?.Contains("ReadWriteMany") != true)
        {
            Problem(where, $"PersistentVolumeClaim {claim} must be ReadWriteMany (exporter replicas and TensorBoard share it)");
        }

        if (component.Name == "tensorboard" && mount?.ReadOnlyProperty != true)
        {
            Problem(where, "TensorBoard must mount the logdir read-only");
        }
    }

    private void CheckRequiredObjects(IReadOnlyList<object> objects, List<Workload> workloads)
    {
        foreach (var name in new[] { "ingest", "query", "exporter", "tensorboard" })
        {
            if (!workloads.Any(w => w.Kind == "Deployment" && w.Template.Spec.Containers.Any(c => ComponentName(c) == name)))
            {
                Problem("overlay", $"no Deployment runs {name}");
            }
        }

        var migrate = workloads.FirstOrDefault(w => w.Kind == "Job" && w.Template.Spec.Containers.Any(c => ComponentName(c) == "cli" && (c.Args ?? []).Take(2).SequenceEqual(["db", "migrate"])));
        if (migrate is null)
        {
            Problem("overlay", "no Job runs `metrics db migrate`");
        }

        foreach (var name in new[] { "ingest", "query" })
        {
            if (!objects.OfType<V2HorizontalPodAutoscaler>().Any(h => DeploymentOf(workloads, h.Spec.ScaleTargetRef.Name) == name))
            {
                Problem("overlay", $"no HorizontalPodAutoscaler scales {name}");
            }
        }

        foreach (var name in new[] { "ingest", "query", "exporter" })
        {
            var deployment = workloads.FirstOrDefault(w => w.Kind == "Deployment" && w.Template.Spec.Containers.Any(c => ComponentName(c) == name));
            if (deployment is not null && !objects.OfType<V1PodDisruptionBudget>().Any(p => LabelSelectors.Matches(p.Spec.Selector, deployment.Template.Metadata.Labels)))
            {
                Problem("overlay", $"no PodDisruptionBudget covers {name}");
            }
        }

        var headless = objects.OfType<V1Service>().Any(s => s.Spec.ClusterIP == "None" && workloads.Any(w => LabelSelectors.Matches(s.Spec.Selector, w.Template.Metadata.Labels) && w.Template.Spec.Containers.Any(c => ComponentName(c) == "ingest")));
        if (!headless)
        {
            Problem("overlay", "no headless Service for ingest (client-side balancing of long-lived gRPC streams)");
        }
    }

    private static string? DeploymentOf(List<Workload> workloads, string name) =>
        workloads.Where(w => w.Kind == "Deployment" && w.Name == name).SelectMany(w => w.Template.Spec.Containers).Select(ComponentName).FirstOrDefault();

    private void CheckServices(IEnumerable<V1Service> services, List<Workload> workloads)
    {
        foreach (var service in services)
        {
            var where = "Service/" + service.Metadata.Name;
            var targets = workloads.Where(w => LabelSelectors.Matches(service.Spec.Selector, w.Template.Metadata.Labels)).ToList();
            if (targets.Count == 0)
            {
                Problem(where, "its selector matches no pod template");
                continue;
            }

            foreach (var port in service.Spec.Ports ?? [])
            {
                var target = port.TargetPort?.Value ?? port.Port.ToString(CultureInfo.InvariantCulture);
                var containers = targets.SelectMany(t => t.Template.Spec.Containers).ToList();
                var resolved = containers.SelectMany(c => c.Ports ?? []).FirstOrDefault(p =>
                    int.TryParse(target, CultureInfo.InvariantCulture, out var n) ? p.ContainerPort == n : p.Name == target);
                if (resolved is null)
                {
                    Problem(where, $"port {port.Name} targets {target}, which no selected container declares");
                }
                else if (resolved.Name == "grpc" && port.AppProtocol is not ("kubernetes.io/h2c" or "grpc" or "https"))
                {
                    Problem(where, $"port {port.Name} carries gRPC: appProtocol must be kubernetes.io/h2c (cleartext) or https (METRICS_TLS_CERT), not {port.AppProtocol ?? "unset"}");
                }
            }
        }
    }

    private void CheckIngresses(IEnumerable<V1Ingress> ingresses, List<V1Service> services)
    {
        foreach (var ingress in ingresses)
        {
            var where = "Ingress/" + ingress.Metadata.Name;
            var grpc = ingress.Metadata.Annotations?.TryGetValue("nginx.ingress.kubernetes.io/backend-protocol", out var protocol) == true && protocol is "GRPC" or "GRPCS";
            foreach (var path in (ingress.Spec.Rules ?? []).SelectMany(r => r.Http?.Paths ?? []))
            {
                var backend = path.Backend.Service;
                var service = services.FirstOrDefault(s => s.Metadata.Name == backend?.Name);
                if (backend is null || service is null)
                {
                    Problem(where, $"path {path.Path} goes to Service {backend?.Name}, which is not rendered");
                    continue;
                }

                var port = backend.Port;
                if (!(service.Spec.Ports ?? []).Any(p => port?.Name is { } n ? p.Name == n : p.Port == port?.Number))
                {
                    Problem(where, $"path {path.Path} goes to port {port?.Name ?? port?.Number?.ToString(CultureInfo.InvariantCulture)} of Service {service.Metadata.Name}, which has no such port");
                }

                if (grpc && !grpcServicePaths.Contains(path.Path))
                {
                    Problem(where, $"gRPC path {path.Path} is not a service of proto/ ({string.Join(", ", grpcServicePaths.Order(StringComparer.Ordinal))})");
                }
            }
        }
    }

    private void CheckScaling(IReadOnlyList<object> objects, List<Workload> workloads)
    {
        foreach (var hpa in objects.OfType<V2HorizontalPodAutoscaler>())
        {
            var target = hpa.Spec.ScaleTargetRef;
            if (!workloads.Any(w => w.Kind == target.Kind && w.Name == target.Name))
            {
                Problem("HorizontalPodAutoscaler/" + hpa.Metadata.Name, $"scales {target.Kind}/{target.Name}, which is not rendered");
            }

            if (hpa.Spec.MinReplicas is { } min && min > hpa.Spec.MaxReplicas)
            {
                Problem("HorizontalPodAutoscaler/" + hpa.Metadata.Name, "minReplicas exceeds maxReplicas");
            }
        }

        foreach (var pdb in objects.OfType<V1PodDisruptionBudget>())
        {
            if (!workloads.Any(w => LabelSelectors.Matches(pdb.Spec.Selector, w.Template.Metadata.Labels)))
            {
                Problem("PodDisruptionBudget/" + pdb.Metadata.Name, "its selector matches no pod template");
            }
        }
    }

    private void CheckNetworkPolicies(List<V1NetworkPolicy> policies, List<Workload> workloads)
    {
        if (!policies.Any(p => p.Spec.PodSelector.MatchLabels is null or { Count: 0 } && p.Spec.PodSelector.MatchExpressions is null or { Count: 0 }
            && p.Spec.PolicyTypes?.Contains("Ingress") == true && p.Spec.PolicyTypes.Contains("Egress") && p.Spec.Ingress is null or { Count: 0 } && p.Spec.Egress is null or { Count: 0 }))
        {
            Problem("overlay", "no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)");
        }

        foreach (var workload in workloads)
        {
            var labels = workload.Template.Metadata.Labels;
            var isClient = labels?.TryGetValue(DatabaseClientLabel, out var value) == true && value == "true";
            var name = workload.Template.Spec.Containers.Select(ComponentName).FirstOrDefault(n => n is not null && components.ContainsKey(n));
            var shouldBe = name is not null && DatabaseClients.Contains(name);
            if (isClient != shouldBe)
            {
                Problem(workload.Id, shouldBe ? $"{name} needs the label {DatabaseClientLabel}=true to reach PostgreSQL" : $"must not carry {DatabaseClientLabel}=true: only ingest, query, exporter and migrate reach PostgreSQL");
            }
        }

        foreach (var policy in policies)
        {
            var where = "NetworkPolicy/" + policy.Metadata.Name;
            var selected = workloads.Where(w => LabelSelectors.Matches(policy.Spec.PodSelector, w.Template.Metadata.Labels)).ToList();
            var onlyClients = policy.Spec.PodSelector.MatchLabels?.TryGetValue(DatabaseClientLabel, out var v) == true && v == "true";
            foreach (var rule in policy.Spec.Egress ?? [])
            {
                if ((rule.Ports ?? []).Any(p => p.Port?.Value == PostgresPort.ToString(CultureInfo.InvariantCulture)) && !onlyClients)
                {
                    Problem(where, $"opens egress to {PostgresPort} for pods without {DatabaseClientLabel}=true");
                }
            }

            foreach (var rule in policy.Spec.Ingress ?? [])
            {
                foreach (var port in rule.Ports ?? [])
                {
                    var value = port.Port?.Value;
                    var declared = selected.SelectMany(w => w.Template.Spec.Containers).SelectMany(c => c.Ports ?? [])
                        .Any(p => int.TryParse(value, CultureInfo.InvariantCulture, out var n) ? p.ContainerPort == n : p.Name == value);
                    if (value is not null && !declared)
                    {
                        Problem(where, $"allows ingress to port {value}, which no selected pod declares");
                    }
                }

                var tensorBoardPorts = selected.SelectMany(w => w.Template.Spec.Containers).SelectMany(c => c.Ports ?? []).Where(p => p.Name == ServiceCatalog.TensorBoardPortName).ToList();
                var opensTensorBoardPort = tensorBoardPorts.Count > 0 && (rule.Ports is null or { Count: 0 } || rule.Ports.Any(p =>
                    p.Port?.Value is not { } value || value == ServiceCatalog.TensorBoardPortName || tensorBoardPorts.Any(t => t.ContainerPort.ToString(CultureInfo.InvariantCulture) == value)));
                var fromOnlyTensorBoard = rule.FromProperty is { Count: > 0 } && rule.FromProperty.All(peer =>
                    peer.IpBlock is null && peer.NamespaceSelector is null && peer.PodSelector?.MatchLabels?.TryGetValue("app.kubernetes.io/name", out var n) == true && n == "metrics-tensorboard");
                if (opensTensorBoardPort && !fromOnlyTensorBoard)
                {
                    Problem(where, "lets pods other than TensorBoard reach query's unauthenticated TensorBoard port");
                }

                var servesPostgres = selected.SelectMany(w => w.Template.Spec.Containers).SelectMany(c => c.Ports ?? []).Any(p => p.ContainerPort == PostgresPort);
                var fromOnlyClients = rule.FromProperty is { Count: > 0 } && rule.FromProperty.All(peer =>
                    peer.IpBlock is null && peer.NamespaceSelector is null && peer.PodSelector?.MatchLabels?.TryGetValue(DatabaseClientLabel, out var c) == true && c == "true");
                if (servesPostgres && !fromOnlyClients)
                {
                    Problem(where, $"lets pods other than database clients reach PostgreSQL");
                }
            }
        }
    }
}
