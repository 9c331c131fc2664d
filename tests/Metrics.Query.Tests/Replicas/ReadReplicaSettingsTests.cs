using Metrics.Query.Replicas;
using Npgsql;

namespace Metrics.Query.Tests.Replicas;

public sealed class ReadReplicaSettingsTests
{
    [Fact]
    public void Servers_MultiHostUrl_OnePoolPerHostWithoutTargetSessionAttributes()
    {
        var servers = ReadReplicas.Servers("postgres://u:p@standby-a:5433,standby-b/metrics?target_session_attrs=prefer-standby&load_balance_hosts=random&sslmode=disable");

        Assert.Equal(["standby-a:5433", "standby-b:5432"], servers.Select(s => s.Name));
        var first = new NpgsqlConnectionStringBuilder(servers[0].ConnectionString);
        Assert.Equal("standby-a:5433", first.Host);
        Assert.Equal("metrics", first.Database);
        Assert.Equal("u", first.Username);
        Assert.Null(first.TargetSessionAttributes);
        Assert.False(first.LoadBalanceHosts);
        Assert.Equal(SslMode.Disable, first.SslMode);
    }

    [Fact]
    public void Servers_ConnectionStringForm_Accepted()
    {
        var servers = ReadReplicas.Servers("Host=ro-1,ro-2:6432;Port=5544;Database=m;Username=u");
        Assert.Equal(["ro-1:5544", "ro-2:6432"], servers.Select(s => s.Name));
    }

    [Theory]
    [InlineData("postgres://u@a,,b/m", "empty host")]
    [InlineData("postgres://u@a/m?no_such_setting=1", "'no_such_setting'")]
    [InlineData("Host=a;Nonsense Keyword=3", "neither")]
    public void Servers_BadUrl_FormatExceptionNamingTheSetting(string url, string problem)
    {
        var e = Assert.Throws<FormatException>(() => ReadReplicas.Servers(url));
        Assert.StartsWith("METRICS_DATABASE_READ_URL", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x1_0000_5000UL, 0x1_0000_5000UL)] // mid-page: as it is
    [InlineData(0x1_0000_2018UL, 0x1_0000_2000UL)] // just past a page header: the page boundary
    [InlineData(0x1_0100_0028UL, 0x1_0100_0000UL)] // just past a segment's long header: the boundary
    [InlineData(0x1_0000_2028UL, 0x1_0000_2028UL)] // 40 bytes into a page that does not start a segment
    public void RecordEnd_InsertPosition_WhereTheLastRecordEnds(ulong insert, ulong expected) =>
        Assert.Equal(expected, WalBarrier.RecordEnd(insert, blockSize: 8192, segmentSize: 16 * 1024 * 1024));
}
