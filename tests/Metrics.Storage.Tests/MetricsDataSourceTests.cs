using System.Globalization;
using Metrics.LocalStack;
using Metrics.Testing;

namespace Metrics.Storage.Tests;

public sealed class MetricsDataSourceTests
{
    [Fact]
    public async Task Create_MultiHostUrlWithDeadFirstHost_ConnectsToTheReadWriteServer()
    {
        var admin = new Uri(await TestPostgres.AdminUrlAsync());
        using var dead = LoopbackPorts.Refusing();
        var hosts = $"127.0.0.1:{dead.Port.ToString(CultureInfo.InvariantCulture)},{admin.Host}:{admin.Port.ToString(CultureInfo.InvariantCulture)}";
        var url = $"postgres://{admin.UserInfo}@{hosts}{admin.AbsolutePath}?target_session_attrs=read-write";

        await using var dataSource = MetricsDataSource.Create(url);
        await using var command = dataSource.CreateCommand("SELECT inet_server_port(), pg_is_in_recovery()");
        await using var reader = await command.ExecuteReaderAsync();

        Assert.True(await reader.ReadAsync());
        Assert.Equal(admin.Port, reader.GetInt32(0));
        Assert.False(reader.GetBoolean(1));
    }
}
