using Metrics.Exporter.Export;
using Metrics.Exporter.Ownership;
using Metrics.Storage;
using Metrics.Testing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Exporter.Tests.Ownership;

/// <summary>Run ownership between replicas: PostgreSQL advisory locks on each replica's lock connection.</summary>
public sealed class RunLocksTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private readonly string _aId = "replica-a-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<RunLocks> _replicas = [];
    private RunLocks _a = null!;
    private RunLocks _b = null!;

    public Task InitializeAsync()
    {
        _a = Replica(_aId);
        _b = Replica("replica-b-" + Guid.NewGuid().ToString("N")[..8]);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }
    }

    [Fact]
    public async Task TryLockAsync_RunHeldByAnotherReplica_IsRefusedUntilReleased()
    {
        Assert.True(await _a.TryLockAsync(101, CancellationToken.None));

        Assert.False(await _b.TryLockAsync(101, CancellationToken.None));
        await _a.UnlockAsync(101, CancellationToken.None);
        Assert.True(await _b.TryLockAsync(101, CancellationToken.None));
    }

    [Fact]
    public async Task DropConnectionAsync_ReplicaLetsGo_ItsRunsGoToOthers()
    {
        Assert.True(await _a.TryLockAsync(102, CancellationToken.None));
        Assert.True(await _a.TryLockAsync(103, CancellationToken.None));

        await _a.DropConnectionAsync();

        Assert.False(_a.IsConnected);
        Assert.True(await _b.TryLockAsync(102, CancellationToken.None));
        Assert.True(await _b.TryLockAsync(103, CancellationToken.None));
    }

    [Fact]
    public async Task HeartbeatAsync_LockConnectionKilled_ReportsLocksLost()
    {
        Assert.True(await _a.TryLockAsync(104, CancellationToken.None));
        Assert.True(await _a.HeartbeatAsync(CancellationToken.None));

        await TerminateAsync(_aId);

        Assert.False(await _a.HeartbeatAsync(CancellationToken.None));
        Assert.False(_a.IsConnected);
        Assert.True(await _b.TryLockAsync(104, CancellationToken.None));
        Assert.True(await _a.HeartbeatAsync(CancellationToken.None), "the next heartbeat connects again, holding nothing");
    }

    [Fact]
    public async Task CountAsync_ThreeReplicasTwoHoldingRuns_CountsReplicasAndLocks()
    {
        // A database of its own: no replica of another test is counted.
        var url = await TestPostgres.CreateDatabaseAsync("run_locks_count");
        var counting = Replica("count", url);
        var a = Replica("count-a", url);
        var b = Replica("count-b", url);
        await counting.HeartbeatAsync(CancellationToken.None);
        Assert.True(await a.TryLockAsync(105, CancellationToken.None));
        Assert.True(await b.TryLockAsync(106, CancellationToken.None));
        Assert.True(await b.TryLockAsync(107, CancellationToken.None));

        Assert.Equal((3, 3), await counting.CountAsync(CancellationToken.None));
    }

    private RunLocks Replica(string replicaId, string? url = null)
    {
        var locks = new RunLocks(Options.Create(new DatabaseOptions { Url = url ?? database.Url }), Options.Create(new ExporterOptions { Logdir = "unused", ReplicaId = replicaId }));
        _replicas.Add(locks);
        return locks;
    }

    private async Task TerminateAsync(string replicaId)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = RunLocks.ApplicationNamePrefix + replicaId });
        Assert.Equal(1L, await command.ExecuteScalarAsync());
    }
}
