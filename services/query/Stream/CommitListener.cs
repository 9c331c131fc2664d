using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using Metrics.Storage.Writes;
using Npgsql;

namespace Metrics.Query.Stream;

/// <summary>
/// One LISTEN connection per process on metrics_commits (payload: run id), fanned out to the live
/// tails of that run. After a reconnect every tail is woken, since notifications sent while the
/// connection was down are lost; tails also re-check on their heartbeat.
/// </summary>
internal sealed partial class CommitListener(NpgsqlDataSource dataSource, TimeProvider time, ILogger<CommitListener> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<long, ImmutableArray<CommitSubscription>> _subscribers = new();
    private volatile TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CommitSubscription Subscribe(long runId)
    {
        var subscription = new CommitSubscription(runId, Unsubscribe);
        _subscribers.AddOrUpdate(runId, _ => [subscription], (_, list) => list.Add(subscription));
        return subscription;
    }

    /// <summary>Completes once LISTEN is in effect (or at <paramref name="timeout"/>); commits after that reach subscribers.</summary>
    public async Task<bool> WaitListeningAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _listening.Task.WaitAsync(timeout, time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => Dispatch(e.Payload);
                await using (var listen = new NpgsqlCommand("LISTEN " + CommitNotifications.Channel, connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                _listening.TrySetResult();
                backoff = TimeSpan.FromMilliseconds(250);
                WakeAll();
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                if (_listening.Task.IsCompleted)
                {
                    _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                LogListenFailed(logger, backoff.TotalMilliseconds, e);
                await Task.Delay(backoff, time, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    private void Dispatch(string payload)
    {
        if (long.TryParse(payload, NumberStyles.Integer, CultureInfo.InvariantCulture, out var runId) && _subscribers.TryGetValue(runId, out var list))
        {
            foreach (var subscription in list)
            {
                subscription.Signal();
            }
        }
    }

    private void WakeAll()
    {
        foreach (var list in _subscribers.Values)
        {
            foreach (var subscription in list)
            {
                subscription.Signal();
            }
        }
    }

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
}
