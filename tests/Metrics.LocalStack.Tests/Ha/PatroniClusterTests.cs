using System.Globalization;
using Metrics.LocalStack.Ha;
using Metrics.Storage;
using Metrics.Testing;
using Npgsql;

namespace Metrics.LocalStack.Tests.Ha;

/// <summary>The HA harness itself: etcd, two PostgreSQL servers under Patroni, a kill -9 of the primary, dispose.</summary>
public sealed class PatroniClusterTests
{
    [Fact]
    public async Task KillPrimaryAsync_CommittedRows_OnTheNewPrimaryAndNothingLeftAfterDispose()
    {
        var cluster = await PatroniCluster.StartAsync(new PatroniClusterOptions(), log: null, CancellationToken.None);
        var directory = cluster.Directory;
        try
        {
            var url = await cluster.CreateDatabaseAsync("harness", CancellationToken.None);
            Assert.Contains("target_session_attrs=read-write", url, StringComparison.Ordinal);
            await using var dataSource = MetricsDataSource.Create(url);
            await ExecuteAsync(dataSource, "CREATE TABLE t (n int PRIMARY KEY)");
            await ExecuteAsync(dataSource, "INSERT INTO t SELECT generate_series(1, 1000)");
            Assert.Equal("on", await ScalarAsync(dataSource, "SHOW synchronous_commit"));
            var firstPort = (int)await PortAsync(dataSource);
            var standby = cluster.Nodes.Single(n => n.Port != firstPort);
            Assert.Equal(standby.Name, await ScalarAsync(dataSource, "SHOW synchronous_standby_names"));

            var killed = await cluster.KillPrimaryAsync(CancellationToken.None);
            var primary = await cluster.WaitForNewPrimaryAsync(killed, TimeSpan.FromSeconds(60), CancellationToken.None);

            Assert.NotEqual(killed, primary);
            Assert.Equal(standby, primary);
            // The pool's connections to the dead server fail once each; a new one reaches the new primary.
            var rows = await Eventually.ValueAsync(async () =>
            {
                try
                {
                    return (long?)await ScalarAsync(dataSource, "SELECT count(*) FROM t");
                }
                catch (NpgsqlException)
                {
                    return null;
                }
            }, TimeSpan.FromSeconds(30), () => "the table to be readable on the new primary");
            Assert.Equal(1000L, rows);
            await ExecuteAsync(dataSource, "INSERT INTO t VALUES (1001)");
            Assert.Equal(primary.Port, (int)await PortAsync(dataSource));
        }
        finally
        {
            await cluster.DisposeAsync();
        }

        Assert.False(Directory.Exists(directory), directory + " is still there");
        Assert.Empty(ProcessesMentioning(directory));
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }

    private static async Task<object> PortAsync(NpgsqlDataSource dataSource) =>
        await ScalarAsync(dataSource, "SELECT inet_server_port()") ?? throw new InvalidOperationException("no port");

    /// <summary>Processes whose command line names <paramref name="directory"/> (etcd, Patroni, postgres of the cluster).</summary>
    private static List<string> ProcessesMentioning(string directory) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Where(d => int.TryParse(Path.GetFileName(d), NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            .Select(d =>
            {
                try
                {
                    return File.ReadAllText(Path.Combine(d, "cmdline")).Replace('\0', ' ');
                }
                catch (IOException)
                {
                    return "";
                }
            })
            .Where(c => c.Contains(directory, StringComparison.Ordinal))];
}
