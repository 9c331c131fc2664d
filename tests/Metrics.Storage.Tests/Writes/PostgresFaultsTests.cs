using System.Globalization;
using Metrics.LocalStack;
using Metrics.Storage.Writes;
using Metrics.Testing;
using Npgsql;

namespace Metrics.Storage.Tests.Writes;

public sealed class PostgresFaultsTests
{
    // A failover in progress as a multi-host data source sees it: no live server is of the kind
    // asked for (here a primary where a standby is wanted), and maybe another host refuses.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task IsTransient_MultiHostWithoutAServerOfTheWantedKind_True(bool withDeadHost)
    {
        var admin = new Uri(await TestPostgres.AdminUrlAsync());
        using var dead = LoopbackPorts.Refusing();
        var live = $"{admin.Host}:{admin.Port.ToString(CultureInfo.InvariantCulture)}";
        var hosts = (withDeadHost ? $"127.0.0.1:{dead.Port.ToString(CultureInfo.InvariantCulture)}" : live) + "," + live;
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
