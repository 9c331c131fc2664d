using Metrics.Exporter.Ownership;
using Metrics.Exporter.Scan;
using Metrics.Exporter.Sweep;
using Metrics.Storage.Commits;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Exporter.Export;

/// <summary>
/// Decides which runs this replica exports, leader-free (docs/exporter.md). One loop:
/// <list type="bullet">
/// <item>checks the lock connection (<see cref="RunLocks"/>); a lost one drops every run at once,
/// since another replica may already own them;</item>
/// <item>adds the runs <see cref="StaleRunScan"/> finds behind to those commits marked (<see cref="CommitFeed"/>);</item>
/// <item>lets go of runs that asked for it or were idle, and now and then sweeps deleted runs (<see cref="DeletedRunSweep"/>);</item>
/// <item>starts a <see cref="RunPass"/> of dirty runs it holds, and takes new ones up to its <see cref="FairShare"/>.</item>
/// </list>
/// It then waits, on the injected <see cref="TimeProvider"/>, for a commit, a finished pass or the next due time.
/// </summary>
internal sealed class ExportScheduler(
    RunLocks locks,
    RunOwnership ownership,
    FairShare fairShare,
    StaleRunScan staleRuns,
    RunPass pass,
    DeletedRunSweep deletedRuns,
    CommitFeed commits,
    IOptions<ExporterOptions> options,
    TimeProvider time,
    ILogger<ExportScheduler> logger) : BackgroundService
{
    // Deleted runs are looked for at start, after a pass found one, and every this many scans (an
    // operator's DELETE sends no notification; listing every run's manifest at each scan would be waste).
    private const int ScansPerSweep = 6;

    private static readonly TimeSpan LongestWait = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan RescanAfterFailure = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly ExporterOptions _options = options.Value;
    private volatile bool _scanRequested = true;
    private bool _sweepRequested = true;

    /// <summary>Runs this replica holds now (for tests and health).</summary>
    public IReadOnlyCollection<long> OwnedRuns => ownership.OwnedRuns;

    /// <summary>A commit touched the run.</summary>
    public void MarkDirty(long runId)
    {
        ownership.MarkDirty(runId);
        _wake.Release();
    }

    /// <summary>Notifications may have been missed: scan the database for runs behind.</summary>
    public void RequestScan()
    {
        _scanRequested = true;
        _wake.Release();
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var root = _options.LogdirRoot;
        Directory.CreateDirectory(root);
        ExporterLog.Started(logger, root, _options.EffectiveReplicaId);
        var poll = TimeSpan.FromSeconds(_options.PollSeconds);
        var heartbeat = TimeSpan.FromSeconds(_options.LockHeartbeatSeconds);
        var nextScan = time.GetTimestamp();
        var nextHeartbeat = time.GetTimestamp();
        var nextSweep = time.GetTimestamp();
        try
        {
            // Every commit marks its run; after a reconnect, notifications may have been missed.
            using var watch = commits.Watch(MarkDirty, RequestScan);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (time.GetTimestamp() >= nextHeartbeat)
                    {
                        nextHeartbeat = After(heartbeat);
                        if (!await locks.HeartbeatAsync(stoppingToken))
                        {
                            await DropAllAsync();
                        }
                    }

                    if (_scanRequested || time.GetTimestamp() >= nextScan)
                    {
                        _scanRequested = false;
                        nextScan = After(poll);
                        ownership.MarkDirty(await staleRuns.FindAsync(stoppingToken));
                    }

                    await ReleaseAsync(stoppingToken);
                    if (_sweepRequested || time.GetTimestamp() >= nextSweep)
                    {
                        _sweepRequested = false;
                        nextSweep = After(poll * ScansPerSweep);
                        await deletedRuns.SweepAsync(stoppingToken);
                    }

                    await ScheduleAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is NpgsqlException or TimeoutException or InvalidOperationException or IOException)
                {
                    ExporterLog.LoopFailed(logger, e);
                    if (!locks.IsConnected)
                    {
                        await DropAllAsync();
                    }

                    nextScan = Math.Min(nextScan, After(RescanAfterFailure));
                }

                var now = time.GetTimestamp();
                var wakeAt = Math.Min(nextScan, Math.Min(nextHeartbeat, ownership.NextDue()));
                if (wakeAt > now)
                {
                    await WaitAsync(time.GetElapsedTime(now, wakeAt), stoppingToken);
                }

                // One loop handles every wake-up that came meanwhile.
                while (_wake.Wait(0, CancellationToken.None))
                {
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await StopAllAsync();
        }
    }

    private long After(TimeSpan span) => time.GetTimestamp() + (long)(span.TotalSeconds * time.TimestampFrequency);

    // Until a wake-up (commit, finished pass, scan request) or the timeout, on the injected clock.
    private async Task WaitAsync(TimeSpan timeout, CancellationToken stoppingToken)
    {
        using var timer = new CancellationTokenSource(timeout < LongestWait ? timeout : LongestWait, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timer.Token);
        try
        {
            await _wake.WaitAsync(either.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ScheduleAsync(CancellationToken cancellationToken)
    {
        var (candidates, unowned) = ownership.Candidates();
        if (candidates.Count == 0)
        {
            return;
        }

        fairShare.Shuffle(candidates);
        int? cap = null;
        foreach (var runId in candidates)
        {
            if (ownership.RunningCount >= _options.ParallelRuns)
            {
                return;
            }

            if (ownership.TryStartHeld(runId, PassAsync))
            {
                continue;
            }

            if (cap is null)
            {
                var (replicas, held) = await locks.CountAsync(cancellationToken);
                cap = FairShare.Cap(_options.MaxRuns, replicas, held, unowned);
            }

            var ownedCount = ownership.Count;
            ownership.Clean(runId);

            // At its share, a replica leaves new runs to the others (the scan finds them again if nobody takes them).
            if (ownedCount >= cap || !await locks.TryLockAsync(runId, cancellationToken))
            {
                continue;
            }

            ExporterLog.Took(logger, runId, ownership.Take(runId, PassAsync));
        }
    }

    private async Task PassAsync(OwnedRun run)
    {
        try
        {
            await pass.RunAsync(run);
        }
        finally
        {
            ownership.Finished(run);
            _wake.Release();
        }
    }

    // Lets go of runs that asked for it, or were idle too long.
    private async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        foreach (var (run, reason) in ownership.TakeReleasable(TimeSpan.FromSeconds(_options.IdleReleaseSeconds)))
        {
            try
            {
                // Marked released before the advisory lock goes: the next owner may then append to the file.
                if (run.Session is { } session)
                {
                    await session.ReleaseAsync(cancellationToken);
                }
            }
            finally
            {
                run.Session?.Dispose();
                run.Cancel.Dispose();
                await locks.UnlockAsync(run.RunId, cancellationToken);
            }

            ExporterLog.Released(logger, run.RunId, reason);
            _sweepRequested |= reason == ReleaseReason.RunDeleted;
        }
    }

    // The lock connection is gone, so are the locks: stop writing every run before anyone else starts.
    // Not marked released: another replica may have taken them already, and its epoch fences this one.
    private async Task DropAllAsync()
    {
        var runs = ownership.TakeAll(exportAgain: true);
        if (runs.Count > 0)
        {
            ExporterLog.LocksLost(logger, runs.Count);
        }

        await StopAsync(runs, release: false);
        await locks.DropConnectionAsync();
    }

    private async Task StopAllAsync()
    {
        await StopAsync(ownership.TakeAll(exportAgain: false), release: locks.IsConnected);
        await locks.DropConnectionAsync();
    }

    private async Task StopAsync(List<OwnedRun> runs, bool release)
    {
        foreach (var run in runs)
        {
            await run.Cancel.CancelAsync();
        }

        foreach (var run in runs)
        {
            if (run.Running is { } running)
            {
                await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (release && run.Session is { } session)
            {
                // A clean stop (a rolling restart): the next owner appends instead of writing a new generation.
                await ReleaseQuietlyAsync(session);
            }

            run.Session?.Dispose();
            run.Cancel.Dispose();
        }
    }

    private async Task ReleaseQuietlyAsync(Metrics.Export.RunExportSession session)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), time);
        try
        {
            await session.ReleaseAsync(timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            ExporterLog.ReleaseFailed(logger, e, session.Run.RunId);
        }
    }
}
