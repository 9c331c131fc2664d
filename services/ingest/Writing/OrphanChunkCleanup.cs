using Metrics.Ingest.Telemetry;
using Metrics.Storage.Writes;
using Microsoft.Extensions.Options;

namespace Metrics.Ingest.Writing;

/// <summary>
/// Every INGEST_CHUNK_CLEANUP_INTERVAL_SECONDS (first at start-up), deletes the blob chunks of
/// writers idle for INGEST_ORPHAN_CHUNK_AGE_SECONDS through <see cref="BlobChunkCleaner"/>. Any number
/// of replicas may run it: they take turns through an advisory lock. A failed pass (database down)
/// is logged and tried again at the next tick; it never stops the service.
/// </summary>
internal sealed class OrphanChunkCleanup(BlobChunkCleaner cleaner, IOptions<IngestOptions> options, TimeProvider time, ILogger<OrphanChunkCleanup> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.ChunkCleanupIntervalSeconds == 0)
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(options.Value.ChunkCleanupIntervalSeconds);
        var age = TimeSpan.FromSeconds(options.Value.OrphanChunkAgeSeconds);
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                await CleanOnceAsync(interval, age, stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task CleanOnceAsync(TimeSpan interval, TimeSpan age, CancellationToken stoppingToken)
    {
        try
        {
            var result = await cleaner.DeleteOrphansAsync(age, stoppingToken);
            if (result.Chunks > 0)
            {
                IngestLog.OrphanChunksDeleted(logger, result.Chunks, result.Bytes, result.Writers, age);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            IngestLog.OrphanChunkCleanupFailed(logger, e, interval);
        }
    }
}
