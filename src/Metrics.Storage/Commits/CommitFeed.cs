using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using Metrics.Storage.Writes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;

namespace Metrics.Storage.Commits;

/// <summary>
/// The process's one LISTEN connection on <see cref="CommitNotifications.Channel"/> (payload: the
/// run id), fanned out to per-run subscriptions (the query service's live tails) and to watchers of
/// every commit (the exporter). Notifications sent while the connection is down are lost, so each
/// time LISTEN is in effect again every subscription is signalled and every watcher told. A lost
/// connection is reopened through <see cref="ReconnectBackoff"/>.
/// </summary>
public sealed partial class CommitFeed : BackgroundService
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;
    private readonly ILogger<CommitFeed> _logger;
    private readonly ResiliencePipeline _reconnect;
    private readonly ConcurrentDictionary<long, ImmutableArray<CommitSubscription>> _subscribers = new();
    private ImmutableArray<CommitWatch> _watchers = [];
    private volatile TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CommitFeed(NpgsqlDataSource dataSource, TimeProvider time, ILogger<CommitFeed> logger)
    {
        _dataSource = dataSource;
        _time = time;
        _logger = logger;
        _reconnect = ReconnectBackoff.Create(time, IsConnectionFailure, (e, delay) => LogListenFailed(logger, delay.TotalMilliseconds, e));
    }

    /// <summary>Signals the subscription whenever a commit touches <paramref name="runId"/>.</summary>
    public CommitSubscription Subscribe(long runId)
    {
        var subscription = new CommitSubscription(runId, Unsubscribe);
        _subscribers.AddOrUpdate(runId, _ => [subscription], (_, list) => list.Add(subscription));
        return subscription;
    }

    /// <summary>
    /// Calls <paramref name="committed"/> with the run id of every commit, and <paramref name="listening"/>
    /// each time LISTEN is in effect again (commits may have been missed meanwhile). Both run on the
    /// connection's thread: they must be quick and must not wait on the database.
    /// </summary>
    public CommitWatch Watch(Action<long> committed, Action listening)
    {
        var watch = new CommitWatch(committed, listening, Unwatch);
        ImmutableInterlocked.Update(ref _watchers, list => list.Add(watch));
        return watch;
    }

    /// <summary>Completes once LISTEN is in effect (or at <paramref name="timeout"/>); commits after that reach subscribers.</summary>
    public async Task<bool> WaitListeningAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _listening.Task.WaitAsync(timeout, _time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Each execution opens one connection (retried with back-off until LISTEN works) and ends when it is lost.
                await _reconnect.ExecuteAsync(ListenUntilLostAsync, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static bool IsConnectionFailure(Exception e) => e is NpgsqlException or IOException or TimeoutException;

    private async ValueTask ListenUntilLostAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        connection.Notification += (_, e) => Dispatch(e.Payload);
        await using (var listen = new NpgsqlCommand("LISTEN " + CommitNotifications.Channel, connection))
        {
            await listen.ExecuteNonQueryAsync(cancellationToken);
        }

        _listening.TrySetResult();
        WakeAll();
        try
        {
            while (true)
            {
                await connection.WaitAsync(cancellationToken);
            }
        }
        catch (Exception e) when (IsConnectionFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
            LogConnectionLost(_logger, e);
        }
    }

    private void Dispatch(string payload)
    {
        if (!long.TryParse(payload, NumberStyles.Integer, CultureInfo.InvariantCulture, out var runId))
        {
            return;
        }

        foreach (var watch in _watchers)
        {
            watch.Committed(runId);
        }

        if (_subscribers.TryGetValue(runId, out var list))
        {
            foreach (var subscription in list)
            {
                subscription.Signal();
            }
        }
    }

    private void WakeAll()
    {
        foreach (var watch in _watchers)
        {
            watch.Listening();
        }

        foreach (var list in _subscribers.Values)
        {
            foreach (var subscription in list)
            {
                subscription.Signal();
            }
        }
    }

    private void Unwatch(CommitWatch watch) => ImmutableInterlocked.Update(ref _watchers, list => list.Remove(watch));

    private void Unsubscribe(CommitSubscription subscription)
    {
        while (_subscribers.TryGetValue(subscription.RunId, out var list))
        {
            var updated = list.Remove(subscription);
            var done = updated.IsEmpty
                ? _subscribers.TryRemove(KeyValuePair.Create(subscription.RunId, list))
                : _subscribers.TryUpdate(subscription.RunId, updated, list);
            if (done)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "LISTEN metrics_commits failed; retrying in {DelayMs} ms")]
    private static partial void LogListenFailed(ILogger logger, double delayMs, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "LISTEN metrics_commits connection lost; reconnecting")]
    private static partial void LogConnectionLost(ILogger logger, Exception exception);
}
