using Metrics.LocalStack;
using Npgsql;

namespace Metrics.Testing;

/// <summary>
/// The PostgreSQL server of a test run: METRICS_TEST_DATABASE_URL when set (a superuser URL of a
/// running server), else a private cluster this process starts once and stops on exit.
/// Every test class gets its own database from <see cref="CreateDatabaseAsync"/>.
/// </summary>
public static class TestPostgres
{
    private static readonly Lazy<Task<string>> Server = new(StartAsync);
    private static LocalPostgres? _cluster;

    /// <summary>A superuser URL of the server's `postgres` database.</summary>
    public static Task<string> AdminUrlAsync() => Server.Value;

    /// <summary>The private cluster, when this process started one (null with METRICS_TEST_DATABASE_URL).</summary>
    public static LocalPostgres? Cluster => _cluster;

    /// <summary>Creates a fresh, empty database and returns its URL.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var admin = await AdminUrlAsync();
        var name = (prefix.ToLowerInvariant() + "_" + Guid.NewGuid().ToString("N")[..10]).Replace('.', '_');
        if (name.Length > 60)
        {
            name = name[^60..].TrimStart('_');
        }

        await using var dataSource = NpgsqlDataSource.Create(Metrics.Storage.DatabaseUrl.ToConnectionString(admin));
        await using var command = dataSource.CreateCommand($"CREATE DATABASE \"{name}\"");
        await command.ExecuteNonQueryAsync();
        var builder = new UriBuilder(admin) { Path = "/" + name };
        return builder.Uri.ToString();
    }

    private static async Task<string> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("METRICS_TEST_DATABASE_URL") is { Length: > 0 } url)
        {
            return url;
        }

        var dir = Path.Combine(Path.GetTempPath(), $"metrics-test-pg-{Environment.ProcessId}");
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        _cluster = await LocalPostgres.StartAsync(dir, port: null, durable: false, log: null, CancellationToken.None);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopCluster(dir);
        return _cluster.Url();
    }

    private static void StopCluster(string dir)
    {
        try
        {
            _cluster?.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
            Directory.Delete(dir, recursive: true);
        }
        catch (InvalidOperationException)
        {
            // Best effort at exit: a cluster left behind only costs a temp folder.
        }
        catch (IOException)
        {
        }
    }
}
