using Metrics.Deploy.Tests.Support;

namespace Metrics.Deploy.Tests;

/// <summary>Breaks one thing in a copy of deploy/k8s and shows the checks name it.</summary>
public sealed class KubernetesMutationTests
{
    [Theory]
    [InlineData("ingest.yaml", "containerPort: 8081", "containerPort: 8091", "port http is 8091 but ingest listens on 8081")]
    [InlineData("ingest.yaml", "value: \"50051\"", "value: \"50052\"", "port grpc is 50051 but ingest listens on 50052")]
    [InlineData("query.yaml", "path: /health/ready", "path: /health/readyz", "readinessProbe path /health/readyz is not served by query")]
    [InlineData("query.yaml", "              port: http", "              port: https", "uses port https, which the container does not declare")]
    [InlineData("exporter.yaml", "name: METRICS_LOGDIR", "name: METRICS_LOG_DIR", "env METRICS_LOG_DIR is not a setting of exporter")]
    [InlineData("query.yaml", "name: METRICS_HTTP_PORT", "name: METRICS_HTTP_PORTS", "env METRICS_HTTP_PORTS is not a setting of query")]
    [InlineData("ingest.yaml", "      targetPort: grpc", "      targetPort: grpc-web", "targets grpc-web, which no selected container declares")]
    [InlineData("ingest.yaml", "appProtocol: kubernetes.io/h2c", "appProtocol: http", "carries gRPC: appProtocol must be kubernetes.io/h2c")]
    [InlineData("ingress.yaml", "path: /metrics.v1.Ingest/", "path: /metrics.v1.Ingester/", "gRPC path /metrics.v1.Ingester/ is not a service of proto/")]
    [InlineData("ingress.yaml", "name: metrics-query\n                port:\n                  name: http", "name: metrics-query\n                port:\n                  name: web", "goes to port web of Service metrics-query")]
    [InlineData("migrate-job.yaml", "key: DATABASE_URL", "key: DATABASE_URI", "has no key DATABASE_URI")]
    [InlineData("query.yaml", "terminationGracePeriodSeconds: 40", "terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds 30 must exceed preStop 5 s + METRICS_SHUTDOWN_TIMEOUT_SECONDS 25 s")]
    [InlineData("exporter.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "readOnlyRootFilesystem must be true")]
    [InlineData("tensorboard.yaml", "              readOnly: true", "              readOnly: false", "TensorBoard must mount the logdir read-only")]
    [InlineData("networkpolicy.yaml", "    - from:\n        - podSelector:\n            matchLabels:\n              app.kubernetes.io/name: metrics-tensorboard\n      ports:", "    - ports:", "lets pods other than TensorBoard reach query's unauthenticated TensorBoard port")]
    [InlineData("networkpolicy.yaml", "              app.kubernetes.io/name: metrics-tensorboard\n      ports:", "              app.kubernetes.io/name: metrics-ingest\n      ports:", "lets pods other than TensorBoard reach query's unauthenticated TensorBoard port")]
    [InlineData("networkpolicy.yaml", "    - ports:\n        - protocol: TCP\n          port: http\n    # TensorBoard", "    - ports:\n        - protocol: TCP\n          port: http\n        - protocol: TCP\n          port: tensorboard\n    # TensorBoard", "lets pods other than TensorBoard reach query's unauthenticated TensorBoard port")]
    [InlineData("query.yaml", "            - name: METRICS_TENSORBOARD_PORT\n              value: \"6806\"", "            - name: METRICS_TENSORBOARD_PORT\n              value: \"6807\"", "port tensorboard is 6806 but query listens on 6807")]
    [InlineData("tensorboard.yaml", "        app.kubernetes.io/component: tensorboard\n    spec:", "        app.kubernetes.io/component: tensorboard\n        metrics.dev/database-client: \"true\"\n    spec:", "only ingest, query, exporter and migrate reach PostgreSQL")]
    [InlineData("networkpolicy.yaml", "      metrics.dev/database-client: \"true\"\n  policyTypes:\n    - Egress", "      app.kubernetes.io/part-of: metrics\n  policyTypes:\n    - Egress", "opens egress to 5432 for pods without metrics.dev/database-client=true")]
    [InlineData("logdir-pvc.yaml", "- ReadWriteMany", "- ReadWriteOnce", "must be ReadWriteMany")]
    [InlineData("query.yaml", "            - name: METRICS_READ_FRESHNESS_TIMEOUT_MS\n              value: \"1000\"", "            - name: METRICS_READ_FRESHNESS_TIMEOUT_MS\n              value: \"1000\"\n            - name: METRICS_READ_FRESHNESS_TIMEOUT_MS\n              value: \"50\"", "env METRICS_READ_FRESHNESS_TIMEOUT_MS is set 2 times")]
    [InlineData("query.yaml", "kind: HorizontalPodAutoscaler\nmetadata:\n  name: metrics-query\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: metrics-query", "kind: HorizontalPodAutoscaler\nmetadata:\n  name: metrics-query\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: metrics-queries", "scales Deployment/metrics-queries, which is not rendered")]
    public void Check_BrokenBaseManifest_ReportsIt(string file, string from, string to, string expected)
    {
        using var repository = DeployRepository.Scratch();
        repository.Replace("deploy/k8s/base/" + file, from, to);

        var problems = KubernetesOverlayTests.RenderAndCheck(repository, "dev");

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ingest.yaml", "  revisionHistoryLimit: 5", "  revisionHistoryLimits: 5", "revisionHistoryLimits")]
    [InlineData("query.yaml", "            periodSeconds: 5", "            periodSecond: 5", "periodSecond")]
    [InlineData("exporter.yaml", "apiVersion: policy/v1\n", "apiVersion: policy/v1beta2\n", "apiVersion/kind")]
    [InlineData("query.yaml", "containerPort: 8080", "containerPort: eighty", "eighty")]
    public void Parse_UnknownFieldOrVersion_FailsNamingIt(string file, string from, string to, string expected)
    {
        using var repository = DeployRepository.Scratch();
        repository.Replace("deploy/k8s/base/" + file, from, to);

        var error = Assert.Throws<InvalidDataException>(() => KubernetesOverlayTests.RenderAndCheck(repository, "prod"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_BrokenKustomization_FailsWithKubectlMessage()
    {
        using var repository = DeployRepository.Scratch();
        repository.Replace("deploy/k8s/base/kustomization.yaml", "  - query.yaml\n", "  - queries.yaml\n");

        var error = Assert.Throws<InvalidOperationException>(() => KubernetesOverlayTests.RenderAndCheck(repository, "dev"));

        Assert.Contains("queries.yaml", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ProdWithoutExternalSecretDeclared_ReportsMissingSecret()
    {
        using var repository = DeployRepository.Real();
        var objects = KubernetesManifest.Parse(Kustomize.Render(repository.PathOf("deploy/k8s/overlays/prod")));
        var checker = new Checks.KubernetesChecker(ServiceCatalog.Load(repository.Root), new HashSet<string>(), ProtoServices.Load(repository.Root));

        var problems = checker.Check(objects.Cast<object>().ToList());

        Assert.Contains(problems, p => p.Contains("names Secret metrics-secrets, which the overlay neither renders nor declares external", StringComparison.Ordinal));
    }
}
