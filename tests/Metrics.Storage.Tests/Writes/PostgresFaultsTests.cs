using System.Globalization;
using Metrics.LocalStack;
using Metrics.Storage.Writes;
using Metrics.Testing;
using Npgsql;

namespace Metrics.Storage.Tests.Writes;

public sealed class PostgresFaultsTests
{
    [Fact]
    public async Task IsTransient_MultiHostWithoutAServerOfTheWantedKind_True()
    {
        // A failover in progress as a multi-host data source sees it: the only live server is not of
        // the kind asked for (here a primary where a standby is wanted), the other host refuses.
        var admin = new Uri(await TestPostgres.AdminUrlAsync());
        using var dead = LoopbackPorts.Refusing();
        var hosts = $"127.0.0.1:{dead.Port.ToString(CultureInfo.InvariantCulture)},{admin.Host}:{admin.Port.ToString(CultureInfo.InvariantCulture)}";
        await using var dataSource = MetricsDataSource.Create($"postgres://{admin.UserInfo}@{hosts}{admin.AbsolutePath}?target_session_attrs=standby");

        var failure = await Assert.ThrowsAsync<NpgsqlException>(async () => await dataSource.OpenConnectionAsync());

        Assert.False(failure.IsTransient, "Npgsql now calls it transient itself: the special case can go");
        Assert.True(PostgresFaults.IsTransient(failure), failure.Message);
    }

    [Fact]
    public void IsTransient_OtherNonTransientNpgsqlException_False()
    {
        Assert.False(PostgresFaults.IsTransient(new NpgsqlException("The connection string is not valid")));
    }
}
