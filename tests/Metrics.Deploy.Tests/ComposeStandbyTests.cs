using Metrics.Deploy.Tests.Support;
using Metrics.LocalStack;
using Metrics.Testing;
using Npgsql;

namespace Metrics.Deploy.Tests;

/// <summary>
/// The compose profile ha's scripts (deploy/docker/postgres) run for real, outside Docker: the
/// primary's init script against a real PostgreSQL, then the standby script cloning it with
/// pg_basebackup and streaming from it.
/// </summary>
public sealed class ComposeStandbyTests : IAsyncLifetime
{
    private const string Password = "replicationsecret0123";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "compose-standby-" + Guid.NewGuid().ToString("N")[..8]);
    private LocalPostgres _primary = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _primary = await LocalPostgres.StartAsync(Path.Combine(_dir, "primary"), port: null, durable: false, log: null, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _primary.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task StandbyScript_PrimaryInitialisedByInitScript_ClonesAndStreamsCommits()
    {
        using var repository = DeployRepository.Real();
        var scripts = Path.Combine(_dir, "scripts");
        Directory.CreateDirectory(scripts);
        foreach (var script in new[] { "10-replication.sh", "standby.sh" })
        {
            File.Copy(repository.PathOf("deploy/docker/postgres/" + script), Path.Combine(scripts, script));
        }

        var primaryData = Path.Combine(_primary.DataDir, "pgdata");
        var init = await AsPostgresAsync(["sh", Path.Combine(scripts, "10-replication.sh")], new()
        {
            ["POSTGRES_USER"] = "postgres",
            ["POSTGRES_DB"] = "postgres",
            ["PGDATA"] = primaryData,
            ["PGHOST"] = "127.0.0.1",
            ["PGPORT"] = _primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["POSTGRES_REPLICATION_PASSWORD"] = Password,
        });
        Assert.True(init.ExitCode == 0, init.Output);
        await using var primary = Metrics.Storage.MetricsDataSource.Create(_primary.Url());
        Assert.Equal(true, await ScalarAsync(primary, "SELECT rolreplication AND rolcanlogin FROM pg_roles WHERE rolname = 'replicator'"));
        Assert.Contains("host replication replicator all scram-sha-256", await File.ReadAllTextAsync(Path.Combine(primaryData, "pg_hba.conf")), StringComparison.Ordinal);
        await ScalarAsync(primary, "SELECT pg_reload_conf()");

        var standbyPort = LoopbackPorts.Candidates().First(p => p != _primary.Port);
        var standbyData = Path.Combine(_dir, "standby", "data");
        Directory.CreateDirectory(Path.GetDirectoryName(standbyData)!);
        await ProcessRunner.RunAsync("chown", ["postgres:postgres", Path.GetDirectoryName(standbyData)!]);
        using var standby = ProcessRunner.Start("runuser", ["-u", "postgres", "--", "sh", Path.Combine(scripts, "standby.sh"),
            "-p", standbyPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
            // A hot standby needs at least the primary's max_connections (LocalPostgres starts it with 300).
            "-c", "max_connections=300"], new Dictionary<string, string>
        {
            ["PATH"] = BinDir() + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["PGDATA"] = standbyData,
            ["PRIMARY_HOST"] = "127.0.0.1",
            ["PRIMARY_PORT"] = _primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["STANDBY_SLOT"] = "standby1",
            ["POSTGRES_REPLICATION_PASSWORD"] = Password,
        });
        var output = new System.Text.StringBuilder();
        standby.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        standby.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        standby.BeginOutputReadLine();
        standby.BeginErrorReadLine();
        try
        {
            await using var replica = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = standbyPort, Username = "postgres", Database = "postgres", Pooling = false }.ConnectionString);
            await ScalarAsync(primary, "CREATE TABLE standby_probe (v int); INSERT INTO standby_probe VALUES (42)");

            await Eventually.TrueAsync(async () => await ProbeAsync(replica) == 42, TimeSpan.FromSeconds(120), () => Describe(output));

            Assert.Equal(true, await ScalarAsync(replica, "SELECT pg_is_in_recovery()"));
            Assert.Equal(true, await ScalarAsync(primary, "SELECT active FROM pg_replication_slots WHERE slot_name = 'standby1'"));
        }
        finally
        {
            standby.Kill(entireProcessTree: true);
            await standby.WaitForExitAsync();
        }
    }

    private static string Describe(System.Text.StringBuilder output)
    {
        lock (output)
        {
            return "the standby never showed the primary's row; its output:\n" + output;
        }
    }

    private static async Task<int?> ProbeAsync(NpgsqlDataSource replica)
    {
        try
        {
            return (int?)await ScalarAsync(replica, "SELECT v FROM standby_probe");
        }
        catch (NpgsqlException)
        {
            return null; // not up yet, or not replayed the table yet
        }
    }

    private static async Task<object?> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }

    private static string BinDir() => Path.GetDirectoryName(Directory.GetFiles("/usr/lib/postgresql", "pg_basebackup", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Last())!;

    private async Task<(int ExitCode, string Output)> AsPostgresAsync(string[] command, Dictionary<string, string> environment)
    {
        environment["PATH"] = BinDir() + ":" + Environment.GetEnvironmentVariable("PATH");
        var result = await ProcessRunner.RunAsync("runuser", ["-u", "postgres", "--", .. command], environment, workingDirectory: _dir, timeout: TimeSpan.FromMinutes(2));
        return (result.ExitCode, result.StandardOutput + result.StandardError);
    }
}
