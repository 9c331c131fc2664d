using System.Collections.Concurrent;
using Metrics.Storage.Commits;
using Metrics.Storage.Writes;
using Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Metrics.Storage.Tests.Commits;

/// <summary>The commit feed on a real PostgreSQL: NOTIFY in a commit reaches subscribers, also after the listen connection is killed.</summary>
public sealed class CommitFeedTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private CommitFeed _feed = null!;

    public async Task InitializeAsync()
    {
        _feed = new CommitFeed(database.DataSource, TimeProvider.System, NullLogger<CommitFeed>.Instance);
        await _feed.StartAsync(CancellationToken.None);
        Assert.True(await _feed.WaitListeningAsync(Patience, CancellationToken.None), "LISTEN in effect");
    }

    public async Task DisposeAsync()
    {
        await _feed.StopAsync(CancellationToken.None);
    }

    public void Dispose() => _feed.Dispose();

    [Fact]
    public async Task Subscribe_CommitNotifiesTheRun_SubscriberIsSignalled()
    {
        using var subscription = _feed.Subscribe(42);

        await CommitAsync(42);

        Assert.True(await subscription.WaitAsync(Patience, TimeProvider.System, CancellationToken.None));
    }

    [Fact]
    public async Task Subscribe_Disposed_NoLongerSignalled()
    {
        var subscription = _feed.Subscribe(43);
        subscription.Dispose();
        using var other = _feed.Subscribe(44);

        await CommitAsync(43);
        await CommitAsync(44);

        Assert.True(await other.WaitAsync(Patience, TimeProvider.System, CancellationToken.None));
        Assert.False(await subscription.WaitAsync(TimeSpan.Zero, TimeProvider.System, CancellationToken.None));
    }

    [Fact]
    public async Task Watch_Commits_ToldEveryRunIdInOrder()
    {
        var runs = new ConcurrentQueue<long>();
        using var watch = _feed.Watch(runs.Enqueue, () => { });

        await CommitAsync(7);
        await CommitAsync(8);
        await CommitAsync(7);

        await Eventually.TrueAsync(() => runs.Count == 3, Patience, () => "3 commits, got " + string.Join(",", runs));
        Assert.Equal([7, 8, 7], runs);
    }

    [Fact]
    public async Task ListenConnectionKilled_FeedReconnects_LaterCommitsArrive()
    {
        var listening = 0;
        var runs = new ConcurrentQueue<long>();
        using var watch = _feed.Watch(runs.Enqueue, () => Interlocked.Increment(ref listening));
        using var subscription = _feed.Subscribe(90);

        await KillListenConnectionAsync();

        // Commits may have been missed while it was down: watchers are told, subscribers signalled.
        await Eventually.TrueAsync(() => Volatile.Read(ref listening) >= 1, Patience, () => "LISTEN again");
        Assert.True(await subscription.WaitAsync(Patience, TimeProvider.System, CancellationToken.None));
        await CommitAsync(90);
        Assert.True(await subscription.WaitAsync(Patience, TimeProvider.System, CancellationToken.None));
        await Eventually.TrueAsync(() => runs.Contains(90), Patience, () => "the commit after the reconnect");
    }

    // As ingest does: NOTIFY inside the commit's transaction, delivered when it commits.
    private async Task CommitAsync(long runId)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var notify = new NpgsqlCommand("SELECT pg_notify($1, $2)", connection, transaction))
        {
            notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = CommitNotifications.Channel });
            notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = runId.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            await notify.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    private async Task KillListenConnectionAsync()
    {
        await using var command = database.DataSource.CreateCommand(
            """
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND query = 'LISTEN metrics_commits'
            """);
        Assert.Equal(1L, await command.ExecuteScalarAsync());
    }
}
