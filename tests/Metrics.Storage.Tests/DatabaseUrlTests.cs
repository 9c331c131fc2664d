using Npgsql;

namespace Metrics.Storage.Tests;

public sealed class DatabaseUrlTests
{
    [Fact]
    public void ToConnectionString_Url_MapsEveryPart()
    {
        var builder = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString("postgres://me:p%40ss@db.example:6543/metrics?sslmode=require"));

        Assert.Equal("db.example", builder.Host);
        Assert.Equal(6543, builder.Port);
        Assert.Equal("metrics", builder.Database);
        Assert.Equal("me", builder.Username);
        Assert.Equal("p@ss", builder.Password);
        Assert.Equal(SslMode.Require, builder.SslMode);
    }

    [Fact]
    public void ToConnectionString_KeywordForm_IsKept()
    {
        var builder = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString("Host=h;Port=5433;Database=d;Username=u"));

        Assert.Equal("h", builder.Host);
        Assert.Equal(5433, builder.Port);
    }

    [Theory]
    [InlineData("postgres://")]
    [InlineData("not a url at all = = ;;")]
    public void ToConnectionString_Garbage_ThrowsFormatException(string value)
    {
        Assert.Throws<FormatException>(() => DatabaseUrl.ToConnectionString(value));
    }

    [Fact]
    public void ToConnectionString_MultiHostUrl_ListsEveryHostWithLibpqSettings()
    {
        var builder = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString(
            "postgresql://me:secret@db-a:5432,db-b:5433,db-c/metrics?target_session_attrs=read-write&load_balance_hosts=random&sslmode=prefer"));

        Assert.Equal("db-a:5432,db-b:5433,db-c", builder.Host);
        Assert.Equal(5432, builder.Port);
        Assert.Equal("metrics", builder.Database);
        Assert.Equal("me", builder.Username);
        Assert.Equal("secret", builder.Password);
        Assert.Equal("read-write", builder.TargetSessionAttributes);
        Assert.True(builder.LoadBalanceHosts);
        Assert.Equal(SslMode.Prefer, builder.SslMode);
    }

    [Theory]
    [InlineData("postgres://u@a,,b/db")]
    [InlineData("postgres://u@a/db?no_such_setting=1")]
    public void ToConnectionString_BadMultiHostOrSetting_ThrowsFormatException(string value)
    {
        Assert.Throws<FormatException>(() => DatabaseUrl.ToConnectionString(value));
    }
}
