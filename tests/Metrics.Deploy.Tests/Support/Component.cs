namespace Metrics.Deploy.Tests.Support;

/// <summary>
/// One deployable as the code defines it: the environment variables it reads (with their
/// defaults), the ports it listens on, its health paths, its Dockerfile and its assembly.
/// </summary>
/// <param name="Name">The image's last path segment: ingest, query, exporter, cli, tensorboard.</param>
/// <param name="Dockerfile">The Dockerfile its image is built from (repository-relative).</param>
/// <param name="Target">The Dockerfile's build target (stage name) of its image; null for the last stage.</param>
/// <param name="Settings">Environment variable → default value (null when there is none).</param>
/// <param name="Required">Environment variables the process refuses to start without.</param>
/// <param name="PortSettings">Port name → the environment variable that sets it ("http" → METRICS_HTTP_PORT).</param>
/// <param name="FixedPorts">Ports that no variable changes (TensorBoard's 6006).</param>
internal sealed record Component(
    string Name,
    string Dockerfile,
    string? Target,
    string? ProjectFile,
    string? AssemblyName,
    IReadOnlyDictionary<string, string?> Settings,
    IReadOnlySet<string> Required,
    IReadOnlyDictionary<string, string> PortSettings,
    IReadOnlyDictionary<string, int> FixedPorts,
    IReadOnlySet<string> ProbePaths,
    bool IsServer)
{
    /// <summary>The ports the process listens on given <paramref name="environment"/> (unset = defaults).</summary>
    public IReadOnlyDictionary<string, int> Ports(IReadOnlyDictionary<string, string> environment)
    {
        var ports = new Dictionary<string, int>(FixedPorts, StringComparer.Ordinal);
        foreach (var (portName, variable) in PortSettings)
        {
            var text = environment.TryGetValue(variable, out var set) ? set : Settings[variable];
            if (int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var port))
            {
                ports[portName] = port;
            }
        }

        return ports;
    }

    /// <summary>The value the process uses for <paramref name="variable"/> given <paramref name="environment"/>.</summary>
    public string? Effective(string variable, IReadOnlyDictionary<string, string> environment) =>
        environment.TryGetValue(variable, out var set) ? set : Settings.GetValueOrDefault(variable);
}
