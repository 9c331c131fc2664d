using Metrics.Export;
using Metrics.Exporter.Export;
using Metrics.Exporter.Ownership;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Exporter.Sweep;

/// <summary>
/// Runs this exporter wrote that an operator deleted from the database since: their files go (or,
/// with RemoveDeletedRuns off, only the exporter's record of them), under the run's lock. A run held
/// here is marked dirty instead: its next pass finds it deleted and lets it go (which asks for
/// another sweep). One that another replica holds is left to that replica.
/// </summary>
internal sealed class DeletedRunSweep(NpgsqlDataSource dataSource, RunLocks locks, RunOwnership ownership, IOptions<ExporterOptions> options, ILogger<DeletedRunSweep> logger)
{
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var root = options.Value.LogdirRoot;
        var recorded = RunManifest.RunIds(root);
        if (recorded.Count == 0)
        {
            return;
        }

        foreach (var runId in await DeletedRunFolders.FindDeletedAsync(dataSource, recorded, cancellationToken))
        {
            if (ownership.Holds(runId))
            {
                ownership.MarkDirty(runId);
                continue;
            }

            if (!await locks.TryLockAsync(runId, cancellationToken))
            {
                continue;
            }

            try
            {
                RemoveOrForget(root, runId);
            }
            finally
            {
                await locks.UnlockAsync(runId, cancellationToken);
            }
        }
    }

    private void RemoveOrForget(string root, long runId)
    {
        try
        {
            if (!options.Value.RemoveDeletedRuns)
            {
                if (DeletedRunFolders.Forget(root, runId, options.Value.FileLocks) is { } kept)
                {
                    ExporterLog.DeletedRunKept(logger, runId, kept.Project, kept.Run);
                }
            }
            else if (DeletedRunFolders.Remove(root, runId, options.Value.FileLocks) is { } removed)
            {
                ExporterLog.DeletedRunRemoved(logger, runId, removed.Manifest.Project, removed.Manifest.Run, removed.FilesRemoved, removed.Folder, removed.FolderRemoved);
            }
        }
        catch (UnsafeLogdirPathException e)
        {
            // Never delete through a planted symlink or an odd name: say so once, and forget the run.
            ExporterLog.DeletedRunRefused(logger, runId, e.Message);
            DeletedRunFolders.Forget(root, runId, options.Value.FileLocks);
        }
        catch (ExportConflictException e)
        {
            ExporterLog.Conflict(logger, runId, e.Message);
        }
    }
}
