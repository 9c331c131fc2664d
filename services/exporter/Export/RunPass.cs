using Metrics.Export;
using Metrics.Exporter.Ownership;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Exporter.Export;

/// <summary>
/// One export pass of a held run, and what its outcome means for the run: opens the run's session
/// on the first pass (refusing a run outside METRICS_EXPORT_PROJECTS), writes what the database has
/// beyond the files, and marks the run for release (deleted, held elsewhere, refused) or for a
/// later pass (a deferred rewrite, a retry a second after a failure). Never throws for a failure
/// the next pass can get over.
/// </summary>
internal sealed class RunPass(NpgsqlDataSource dataSource, IOptions<ExporterOptions> options, RunOwnership ownership, TimeProvider time, ILogger<RunPass> logger)
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(1);

    private readonly LogdirExportOptions _exportOptions = new()
    {
        Root = options.Value.LogdirRoot,
        HostName = options.Value.EffectiveReplicaId,
        Owner = options.Value.EffectiveReplicaId,
        LockFiles = options.Value.FileLocks,
        ChunkPoints = options.Value.ChunkPoints,
        RewriteDelay = TimeSpan.FromSeconds(options.Value.RewriteDelaySeconds),
        TimeProvider = time,
    };

    public async Task RunAsync(OwnedRun run)
    {
        var cancellationToken = run.Cancel.Token;
        try
        {
            if (run.Session is null)
            {
                if (options.Value.ProjectSet is { Count: > 0 } projects
                    && await new RunPointSource(dataSource).GetRunAsync(run.RunId, cancellationToken) is { } info
                    && !projects.Contains(info.Project))
                {
                    Refuse(run, "project " + info.Project + " is not in METRICS_EXPORT_PROJECTS");
                    return;
                }

                run.Session = await RunExportSession.OpenAsync(_exportOptions, dataSource, run.RunId, cancellationToken);
                if (run.Session is null)
                {
                    run.ReleaseReason = ReleaseReason.RunDeleted;
                    return;
                }

                if (run.Session.TakenFrom is { } previous)
                {
                    ExporterLog.Fenced(logger, run.RunId, run.Session.Epoch, previous);
                }
            }

            var session = run.Session;
            var result = await session.ExportAsync(cancellationToken);
            if (result.Kind == ExportPassKind.RunDeleted)
            {
                run.ReleaseReason = ReleaseReason.RunDeleted;
            }
            else if (result.Kind != ExportPassKind.UpToDate)
            {
                ExporterLog.Exported(logger, run.RunId, session.Run.Project, session.Run.Name, result.Kind.ToString(), result.Points);
            }

            if (result.RewriteDueIn is { } due)
            {
                run.DueAt = time.GetTimestamp() + Ticks(due);
            }
        }
        catch (ExportConflictException e)
        {
            ExporterLog.Conflict(logger, run.RunId, e.Message);
            run.ReleaseReason = ReleaseReason.HeldElsewhere;
        }
        catch (UnsafeLogdirPathException e)
        {
            Refuse(run, e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException or UnauthorizedAccessException or Google.Protobuf.InvalidProtocolBufferException)
        {
            // Start again from what was recorded: the session's view may be stale after a failure.
            ExporterLog.Failed(logger, e, run.RunId);
            run.Session?.Dispose();
            run.Session = null;
            run.DueAt = time.GetTimestamp() + Ticks(RetryAfterFailure);
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    private void Refuse(OwnedRun run, string reason)
    {
        ExporterLog.Refused(logger, run.RunId, reason);
        ownership.Refuse(run.RunId);
        run.ReleaseReason = ReleaseReason.Refused;
    }
}
