using Metrics.Testing;
using Npgsql;

namespace Metrics.Storage.Tests;

public sealed class ConnectionPoolWarmerTests
{
    [Fact]
    public async Task WarmAsync_Count_LeavesThatManyBackendsOpenInThePool()
    {
        var url = await TestPostgres.AdminUrlAsync();
        var name = "warm-" + Guid.NewGuid().ToString("N")[..8];
        await using var dataSource = MetricsDataSource.Create(url, maxPoolSize: 10, applicationName: name, minPoolSize: 5);
        await using var observer = MetricsDataSource.Create(url, applicationName: "warm-observer");

        await ConnectionPoolWarmer.WarmAsync(dataSource, 5, CancellationToken.None);

        Assert.Equal(5L, await BackendsAsync(observer, name));
        // The next five concurrent requests reuse them: no new backend.
        var connections = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => dataSource.OpenConnectionAsync().AsTask()));
        Assert.Equal(5L, await BackendsAsync(observer, name));
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task WarmAsync_UnreachableDatabase_Throws()
    {
        using var dead = Metrics.LocalStack.LoopbackPorts.Refusing();
        await using var dataSource = MetricsDataSource.Create($"postgres://nobody@127.0.0.1:{dead.Port}/none?timeout=2");

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ConnectionPoolWarmer.WarmAsync(dataSource, 3, CancellationToken.None));
    }

    private static async Task<long> BackendsAsync(NpgsqlDataSource observer, string applicationName)
    {
        await using var command = observer.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1");
        command.Parameters.AddWithValue(applicationName);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
