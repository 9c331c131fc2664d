using Metrics.Bench.Soak;
using Metrics.LocalStack;
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
            Assembly = ServiceBinaries.Service,
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
}
