using System.Globalization;
using Metrics.Exporter.Export;
using Npgsql;

namespace Metrics.Exporter.Commits;

/// <summary>
/// LISTEN metrics_commits on one connection: every commit names its run, which is marked for
/// export at once. After a disconnect notifications may have been missed, so the scheduler is
/// asked for a full scan once listening again.
/// </summary>
internal sealed class CommitListener(NpgsqlDataSource dataSource, ExportScheduler scheduler, TimeProvider time, ILogger<CommitListener> logger) : BackgroundService
{
    /// <summary>The channel ingest notifies in every commit transaction, with the run id as payload.</summary>
    public const string Channel = "metrics_commits";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (long.TryParse(e.Payload, NumberStyles.Integer, CultureInfo.InvariantCulture, out var runId))
                    {
                        scheduler.MarkDirty(runId);
                    }
                };
                await using (var listen = new NpgsqlCommand("LISTEN " + Channel, connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                scheduler.RequestScan();
                delay = TimeSpan.FromMilliseconds(250);
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                ExporterLog.ListenerLost(logger, e, delay);
                await Task.Delay(delay, time, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }
}
