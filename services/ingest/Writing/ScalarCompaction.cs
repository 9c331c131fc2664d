using Metrics.Ingest.Telemetry;
using Metrics.Storage.Chunks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Ingest.Writing;

/// <summary>
/// Every INGEST_COMPACTION_INTERVAL_SECONDS, one <see cref="ScalarChunkCompactor"/> pass: the small
/// chunks commits leave are merged into full ones (and legacy scalar_points rows converted). Any
/// number of replicas may run it at once: a series is compacted under its row lock taken with SKIP
/// LOCKED, so a pass never waits on a commit nor on another replica. A failed pass is logged and
/// tried again at the next tick; it never stops the service.
/// </summary>
internal sealed class ScalarCompaction(NpgsqlDataSource dataSource, IOptions<IngestOptions> options, TimeProvider time, ILogger<ScalarCompaction> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.CompactionIntervalSeconds == 0)
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(options.Value.CompactionIntervalSeconds);
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await CompactOnceAsync(interval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task CompactOnceAsync(TimeSpan interval, CancellationToken stoppingToken)
    {
        try
        {
            var pass = await ScalarChunkCompactor.CompactOnceAsync(dataSource, stoppingToken);
            if (pass.Rows > 0 || pass.SkippedSeries > 0)
            {
                IngestLog.ScalarsCompacted(logger, pass.Rows, pass.Chunks, pass.SkippedSeries);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            IngestLog.CompactionFailed(logger, e, interval);
        }
    }
}
