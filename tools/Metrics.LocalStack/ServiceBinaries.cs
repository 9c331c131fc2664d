namespace Metrics.LocalStack;

/// <summary>
/// Finds built assemblies of the checkout: the services (services/*/bin/&lt;configuration&gt;/net10.0)
/// and the development tool behind ./metrics, preferring the configuration the caller was built in.
/// </summary>
public static class ServiceBinaries
{
    /// <summary>Path of e.g. Metrics.Ingest.dll for service folder "ingest" (METRICS_SERVICES_DIR/&lt;service&gt; first when set).</summary>
    public static string Service(string service)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        var assembly = "Metrics." + char.ToUpperInvariant(service[0]) + service[1..] + ".dll";
        if (Environment.GetEnvironmentVariable("METRICS_SERVICES_DIR") is { Length: > 0 } dir)
        {
            var configured = Path.Combine(dir, service, assembly);
            return File.Exists(configured) ? configured : throw new InvalidOperationException(configured + " does not exist.");
        }

        return Find(Path.Combine("services", service), assembly)
            ?? throw new InvalidOperationException($"{assembly} is not built: run ./metrics (which builds it) or `dotnet build -c Release services/{service}`.");
    }

    /// <summary>tools/Metrics.Dev's metrics-dev.dll: the `metrics` command of a checkout, with up, demo and bench.</summary>
    public static string DevTool =>
        Find(Path.Combine("tools", "Metrics.Dev"), "metrics-dev.dll")
        ?? throw new InvalidOperationException("metrics-dev.dll is not built: run ./metrics or `dotnet build tools/Metrics.Dev`.");

    /// <summary>src/Metrics.Cli's metrics.dll: the shipped `metrics` command.</summary>
    public static string Cli =>
        Find(Path.Combine("src", "Metrics.Cli"), "metrics.dll")
        ?? throw new InvalidOperationException("metrics.dll is not built: run `dotnet build src/Metrics.Cli`.");

    /// <summary>The checkout (the folder holding Metrics.sln) above the current folder or this program, if any.</summary>
    public static string? RepoRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Metrics.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    /// <summary>The built <paramref name="assembly"/> of the checkout's <paramref name="projectFolder"/> (e.g. "examples/Training").</summary>
    public static string Built(string projectFolder, string assembly) =>
        Find(projectFolder, assembly) ?? throw new InvalidOperationException($"{assembly} is not built: run `dotnet build {projectFolder}`.");

    /// <summary>&lt;project folder&gt;/bin/&lt;configuration&gt;/net10.0/&lt;assembly&gt;, this program's configuration first.</summary>
    private static string? Find(string projectFolder, string assembly)
    {
        var root = RepoRoot() ?? throw new InvalidOperationException("Not inside a Metrics checkout and METRICS_SERVICES_DIR is not set.");
        // Prefer the configuration this program was built in, so `./metrics` (Release) uses Release services.
        var separator = Path.DirectorySeparatorChar;
        string[] preferred = AppContext.BaseDirectory.Contains($"{separator}Debug{separator}", StringComparison.Ordinal) ? ["Debug", "Release"] : ["Release", "Debug"];
        return preferred
            .Select(configuration => Path.Combine(root, projectFolder, "bin", configuration, "net10.0", assembly))
            .FirstOrDefault(File.Exists);
    }
}
