using Metrics.LocalStack.Replication;
using Metrics.Storage;
using Metrics.Testing;

namespace Metrics.LocalStack.Tests.Replication;

/// <summary>A streaming standby of a private primary, started for real.</summary>
public sealed class LocalStandbyTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "metrics-localstack-standby-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task StartAsync_ApplyDelay_StreamsUnderItsNameButShowsNewCommitsOnlyAfterTheDelay()
    {
        await using var primary = await LocalPostgres.StartAsync(Path.Combine(_dir, "primary"), port: null, durable: false, log: null, CancellationToken.None);
        await using var onPrimary = MetricsDataSource.Create(primary.Url());
        await onPrimary.CreateCommand("CREATE TABLE copied AS SELECT 1 AS n").ExecuteNonQueryAsync();

        await using var standby = await LocalStandby.StartAsync(primary, new StandbyOptions { ApplicationName = "ls-test", ApplyDelay = TimeSpan.FromHours(1), DataDir = Path.Combine(_dir, "standby") }, log: null, CancellationToken.None);
        await using var onStandby = MetricsDataSource.Create(standby.Url());

        Assert.NotEqual(primary.Port, standby.Port);
        Assert.Equal(true, await onStandby.CreateCommand("SELECT pg_is_in_recovery()").ExecuteScalarAsync());
        Assert.Equal("1h", await onStandby.CreateCommand("SHOW recovery_min_apply_delay").ExecuteScalarAsync());
        Assert.Equal(1L, await onStandby.CreateCommand("SELECT count(*) FROM copied").ExecuteScalarAsync());
        await Eventually.TrueAsync(
            async () => (long)(await onPrimary.CreateCommand("SELECT count(*) FROM pg_stat_replication WHERE application_name = 'ls-test' AND state = 'streaming'").ExecuteScalarAsync())! == 1,
            TimeSpan.FromSeconds(60),
            () => "the primary never saw the standby streaming");

        await onPrimary.CreateCommand("INSERT INTO copied VALUES (2)").ExecuteNonQueryAsync();
        Assert.Equal(1L, await onStandby.CreateCommand("SELECT count(*) FROM copied").ExecuteScalarAsync());
    }

    [Fact]
    public async Task PauseReplayAsync_NewCommit_InvisibleUntilResumedThenCaughtUp()
    {
        await using var primary = await LocalPostgres.StartAsync(Path.Combine(_dir, "primary"), port: null, durable: false, log: null, CancellationToken.None);
        await using var onPrimary = MetricsDataSource.Create(primary.Url());
        await onPrimary.CreateCommand("CREATE TABLE t (n int)").ExecuteNonQueryAsync();
        await using var standby = await LocalStandby.StartAsync(primary, new StandbyOptions { DataDir = Path.Combine(_dir, "standby") }, log: null, CancellationToken.None);
        await using var onStandby = MetricsDataSource.Create(standby.Url());

        await standby.PauseReplayAsync(CancellationToken.None);
        await onPrimary.CreateCommand("INSERT INTO t VALUES (1)").ExecuteNonQueryAsync();
        Assert.Equal(0L, await onStandby.CreateCommand("SELECT count(*) FROM t").ExecuteScalarAsync());

        await standby.ResumeReplayAsync(CancellationToken.None);
        await standby.WaitCaughtUpAsync(primary, TimeSpan.FromSeconds(60), CancellationToken.None);
        Assert.Equal(1L, await onStandby.CreateCommand("SELECT count(*) FROM t").ExecuteScalarAsync());
        Assert.NotEqual("", await standby.ReplayedAsync(CancellationToken.None));
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
