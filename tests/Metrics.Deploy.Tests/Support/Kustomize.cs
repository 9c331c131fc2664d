namespace Metrics.Deploy.Tests.Support;

/// <summary>`kubectl kustomize`, the renderer a platform team applies the overlays with.</summary>
internal static class Kustomize
{
    public const string InstallHint =
        "The deployment checks need kubectl (with its built-in kustomize): CI installs it in .ci/run (see docs/operations.md, \"Static checks\").";

    /// <summary>The rendered multi-document YAML of the kustomization in <paramref name="directory"/>.</summary>
    public static string Render(string directory)
    {
        var result = ExternalTool.Run("kubectl", ["kustomize", directory], InstallHint);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"kubectl kustomize {directory} failed ({result.ExitCode}): {result.Stderr.Trim()}");
        }

        return result.Stdout;
    }
}
