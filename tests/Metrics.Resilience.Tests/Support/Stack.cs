using Metrics.Bench.Soak;
using Metrics.Testing;

namespace Metrics.Resilience.Tests.Support;

/// <summary>Starts <see cref="SoakServices"/> for a test: a fresh database, the services built beside this test, a temp folder.</summary>
internal static class Stack
{
    public static async Task<SoakServices> StartAsync(
        string name,
        int ingestReplicas = 1,
        string? databaseUrl = null,
        string? logdir = null,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? environment = null)
    {
        var options = new SoakServicesOptions
        {
            DatabaseUrl = databaseUrl ?? await TestPostgres.CreateDatabaseAsync("resilience_" + name),
            Assembly = AssemblyOf,
            WorkDirectory = WorkDirectory(name),
            Logdir = logdir,
            IngestReplicas = ingestReplicas,
            Environment = environment ?? new Dictionary<string, IReadOnlyDictionary<string, string>>(),
        };
        return await SoakServices.StartAsync(options, CancellationToken.None);
    }

    /// <summary>A new empty folder under the temp folder.</summary>
    public static string WorkDirectory(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "metrics-resilience", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>services/&lt;name&gt;/bin/&lt;configuration&gt;/net10.0/Metrics.&lt;Name&gt;.dll, built by this project's references.</summary>
    public static string AssemblyOf(string service)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var assembly = "Metrics." + char.ToUpperInvariant(service[0]) + service[1..] + ".dll";
        var path = Path.Combine(RepoPaths.Root, "services", service, "bin", configuration, "net10.0", assembly);
        return File.Exists(path) ? path : throw new FileNotFoundException("build the service first", path);
    }
}
