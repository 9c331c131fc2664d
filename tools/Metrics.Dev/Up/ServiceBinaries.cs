using Metrics.Cli.Console;

namespace Metrics.Dev.Up;

/// <summary>Finds the built service assemblies (services/*/bin/&lt;config&gt;/net10.0) that `up` and the benchmarks start.</summary>
internal static class ServiceBinaries
{
    /// <summary>Path of e.g. Metrics.Ingest.dll for service folder "ingest".</summary>
    public static string Find(string service)
    {
        var assembly = "Metrics." + char.ToUpperInvariant(service[0]) + service[1..] + ".dll";
        if (Environment.GetEnvironmentVariable("METRICS_SERVICES_DIR") is { Length: > 0 } dir)
        {
            return Existing(Path.Combine(dir, service, assembly));
        }

        var root = RepoRoot.Find() ?? throw new InvalidOperationException("Not inside a Metrics checkout and METRICS_SERVICES_DIR is not set.");
        // Prefer the configuration this CLI was built in, so `./metrics` (Release) uses Release services.
        var preferred = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? new[] { "Debug", "Release" } : ["Release", "Debug"];
        foreach (var configuration in preferred)
        {
            var candidate = Path.Combine(root, "services", service, "bin", configuration, "net10.0", assembly);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"{assembly} is not built: run ./metrics (which builds it) or `dotnet build -c Release services/{service}`.");
    }

    private static string Existing(string path) =>
        File.Exists(path) ? path : throw new InvalidOperationException(path + " does not exist.");
}
