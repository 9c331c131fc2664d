using Metrics.Export;
using Metrics.Exporter.Ownership;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Exporter.Export;

/// <summary>
/// Decides which runs this replica exports, leader-free (docs/exporter.md):
/// <list type="bullet">
/// <item>Runs to look at come from NOTIFY (<see cref="MarkDirty"/>) and a slow scan for runs whose
/// data_version/rewrite_version differ from their recorded export progress.</item>
/// <item>A run is exported only under its advisory lock (<see cref="RunLocks"/>). Locks are sticky
/// (a busy run stays where its file is open) and let go after an idle time.</item>
/// <item>Fair share: a replica takes new runs only while it holds fewer than
/// ceil((runs held by all replicas + runs waiting) / live replicas) + 1, trying them in random order,
/// so replicas that see the same notifications split the runs between them.</item>
/// <item>A lost lock connection drops every run at once (another replica may already own them).</item>
/// </list>
/// </summary>
internal sealed class ExportScheduler(
    NpgsqlDataSource dataSource,
    RunLocks locks,
    IOptions<ExporterOptions> options,
    TimeProvider time,
    ILogger<ExportScheduler> logger) : BackgroundService
{
    private const string RunDeleted = "run deleted";

    // Deleted runs are looked for at start, after a pass found one, and every this many scans (an
    // operator's DELETE sends no notification; listing every run's manifest at each scan would be waste).
    private const int ScansPerSweep = 6;

    private readonly Lock _gate = new();
    private readonly HashSet<long> _dirty = [];
    private readonly Dictionary<long, OwnedRun> _owned = [];
    private readonly HashSet<long> _refused = [];
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly ExporterOptions _options = options.Value;
    private LogdirExportOptions _exportOptions = null!;
    private volatile bool _scanRequested = true;
    private bool _sweepRequested = true;

    /// <summary>Runs this replica holds now (for tests and health).</summary>
    public IReadOnlyCollection<long> OwnedRuns
    {
        get
        {
            lock (_gate)
            {
                return [.. _owned.Keys];
            }
        }
    }

    /// <summary>A commit touched the run.</summary>
    public void MarkDirty(long runId)
    {
        lock (_gate)
        {
            _dirty.Add(runId);
        }

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
        var root = Path.GetFullPath(_options.Logdir);
        Directory.CreateDirectory(root);
        _exportOptions = new LogdirExportOptions
        {
            Root = root,
            HostName = _options.EffectiveReplicaId,
            ChunkPoints = _options.ChunkPoints,
            RewriteDelay = TimeSpan.FromSeconds(_options.RewriteDelaySeconds),
            TimeProvider = time,
        };
        ExporterLog.Started(logger, root, _options.EffectiveReplicaId);
        var poll = TimeSpan.FromSeconds(_options.PollSeconds);
        var heartbeat = TimeSpan.FromSeconds(_options.LockHeartbeatSeconds);
        var nextScan = time.GetTimestamp();
        var nextHeartbeat = time.GetTimestamp();
        var nextSweep = time.GetTimestamp();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (time.GetTimestamp() >= nextHeartbeat)
                    {
                        nextHeartbeat = time.GetTimestamp() + ToTicks(heartbeat);
                        if (!await locks.HeartbeatAsync(stoppingToken))
                        {
                            await DropAllAsync();
                        }
                    }

                    if (_scanRequested || time.GetTimestamp() >= nextScan)
                    {
                        _scanRequested = false;
                        nextScan = time.GetTimestamp() + ToTicks(poll);
                        await ScanAsync(stoppingToken);
                    }

                    await ReleaseAsync(stoppingToken);
                    if (_sweepRequested || time.GetTimestamp() >= nextSweep)
                    {
                        _sweepRequested = false;
                        nextSweep = time.GetTimestamp() + ToTicks(poll * ScansPerSweep);
                        await SweepDeletedRunsAsync(stoppingToken);
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

                    nextScan = Math.Min(nextScan, time.GetTimestamp() + ToTicks(TimeSpan.FromSeconds(1)));
                }

                var wait = Math.Min(nextScan, Math.Min(nextHeartbeat, NextDue())) - time.GetTimestamp();
                if (wait > 0)
                {
                    await _wake.WaitAsync(TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, wait * TimeSpan.TicksPerSecond / time.TimestampFrequency)), stoppingToken);
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

    private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    private long NextDue()
    {
        lock (_gate)
        {
            var due = long.MaxValue;
            foreach (var run in _owned.Values)
            {
                if (run.Running is null && run.DueAt is { } at)
                {
                    due = Math.Min(due, at);
                }
            }

            return due;
        }
    }

    private async Task ScanAsync(CancellationToken cancellationToken)
    {
        var projects = _options.ProjectSet;
        await using var command = dataSource.CreateCommand(
            """
            SELECT r.run_id FROM runs r
            JOIN projects p USING (project_id)
            LEFT JOIN export_state e USING (run_id)
            WHERE (e.run_id IS NULL OR e.data_version <> r.data_version OR e.rewrite_version <> r.rewrite_version)
              AND (cardinality($1::text[]) = 0 OR p.name = ANY($1))
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. projects] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        lock (_gate)
        {
            while (reader.Read())
            {
                _dirty.Add(reader.GetInt64(0));
            }
        }
    }

    private async Task ScheduleAsync(CancellationToken cancellationToken)
    {
        List<long> candidates;
        var unowned = 0;
        lock (_gate)
        {
            var now = time.GetTimestamp();
            foreach (var run in _owned.Values)
            {
                if (run.Running is null && run.DueAt is { } at && at <= now)
                {
                    _dirty.Add(run.RunId);
                }
            }

            _dirty.ExceptWith(_refused);
            candidates = [.. _dirty];
            unowned = candidates.Count(id => !_owned.ContainsKey(id));
        }

        if (candidates.Count == 0)
        {
            return;
        }

        Random.Shared.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(candidates));
        var cap = -1;
        foreach (var runId in candidates)
        {
            OwnedRun? run;
            lock (_gate)
            {
                if (_owned.Values.Count(r => r.Running is not null) >= _options.ParallelRuns)
                {
                    return;
                }

                if (_owned.TryGetValue(runId, out run))
                {
                    if (run.Running is null)
                    {
                        _dirty.Remove(runId);
                        Start(run);
                    }

                    continue;
                }
            }

            if (cap < 0)
            {
                var (replicas, held) = await locks.CountAsync(cancellationToken);
                cap = Math.Min(_options.MaxRuns, (int)Math.Ceiling((held + unowned) / (double)replicas) + 1);
            }

            int ownedCount;
            lock (_gate)
            {
                ownedCount = _owned.Count;
                _dirty.Remove(runId);
            }

            // At its share, a replica leaves new runs to the others (the scan finds them again if nobody takes them).
            if (ownedCount >= cap || !await locks.TryLockAsync(runId, cancellationToken))
            {
                continue;
            }

            lock (_gate)
            {
                run = new OwnedRun(runId, time.GetTimestamp());
                _owned.Add(runId, run);
                ExporterLog.Took(logger, runId, _owned.Count);
                Start(run);
            }
        }
    }

    private void Start(OwnedRun run)
    {
        run.DueAt = null;
        run.Running = Task.Run(() => PassAsync(run));
    }

    private async Task PassAsync(OwnedRun run)
    {
        var cancellationToken = run.Cancel.Token;
        try
        {
            if (run.Session is null)
            {
                if (_options.ProjectSet is { Count: > 0 } projects
                    && await new RunPointSource(dataSource).GetRunAsync(run.RunId, cancellationToken) is { } info
                    && !projects.Contains(info.Project))
                {
                    Refuse(run, "project " + info.Project + " is not in METRICS_EXPORT_PROJECTS");
                    return;
                }

                run.Session = await RunExportSession.OpenAsync(_exportOptions, dataSource, run.RunId, cancellationToken);
                if (run.Session is null)
                {
                    run.ReleaseReason = RunDeleted;
                    return;
                }
            }

            var session = run.Session;
            var result = await session.ExportAsync(cancellationToken);
            if (result.Kind == ExportPassKind.RunDeleted)
            {
                run.ReleaseReason = RunDeleted;
            }
            else if (result.Kind != ExportPassKind.UpToDate)
            {
                ExporterLog.Exported(logger, run.RunId, session.Run.Project, session.Run.Name, result.Kind.ToString(), result.Points);
            }

            if (result.RewriteDueIn is { } due)
            {
                run.DueAt = time.GetTimestamp() + ToTicks(due);
            }
        }
        catch (ExportConflictException e)
        {
            ExporterLog.Conflict(logger, run.RunId, e.Message);
            run.ReleaseReason = "held elsewhere";
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
            run.DueAt = time.GetTimestamp() + ToTicks(TimeSpan.FromSeconds(1));
        }
        finally
        {
            lock (_gate)
            {
                run.Running = null;
                run.LastActive = time.GetTimestamp();
            }

            _wake.Release();
        }
    }

    private void Refuse(OwnedRun run, string reason)
    {
        ExporterLog.Refused(logger, run.RunId, reason);
        lock (_gate)
        {
            _refused.Add(run.RunId);
        }

        run.ReleaseReason = "refused";
    }

    // Lets go of runs that asked for it, that were idle too long, or above this replica's share.
    private async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        List<(OwnedRun Run, string Reason)> release = [];
        lock (_gate)
        {
            var idle = ToTicks(TimeSpan.FromSeconds(_options.IdleReleaseSeconds));
            var now = time.GetTimestamp();
            foreach (var run in _owned.Values)
            {
                if (run.Running is not null || _dirty.Contains(run.RunId))
                {
                    continue;
                }

                if (run.ReleaseReason is { } reason)
                {
                    release.Add((run, reason));
                }
                else if (run.DueAt is null && now - run.LastActive >= idle)
                {
                    release.Add((run, "idle"));
                }
            }

            foreach (var (run, _) in release)
            {
                _owned.Remove(run.RunId);
            }
        }

        foreach (var (run, reason) in release)
        {
            run.Session?.Dispose();
            run.Cancel.Dispose();
            await locks.UnlockAsync(run.RunId, cancellationToken);
            ExporterLog.Released(logger, run.RunId, reason);
            _sweepRequested |= reason == RunDeleted;
        }
    }

    // Runs this exporter wrote that an operator deleted from the database since: their files go
    // (or, with RemoveDeletedRuns off, only the exporter's record of them). A run held here gets a
    // pass, which finds it deleted and lets it go (and asks for another sweep); one that another
    // replica holds is left to that replica.
    private async Task SweepDeletedRunsAsync(CancellationToken cancellationToken)
    {
        var recorded = RunManifest.RunIds(_exportOptions.Root);
        if (recorded.Count == 0)
        {
            return;
        }

        foreach (var runId in await DeletedRunFolders.FindDeletedAsync(dataSource, recorded, cancellationToken))
        {
            bool held;
            lock (_gate)
            {
                held = _owned.ContainsKey(runId);
            }

            if (held)
            {
                MarkDirty(runId);
                continue;
            }

            if (!await locks.TryLockAsync(runId, cancellationToken))
            {
                continue;
            }

            try
            {
                if (!_options.RemoveDeletedRuns)
                {
                    if (DeletedRunFolders.Forget(_exportOptions.Root, runId) is { } kept)
                    {
                        ExporterLog.DeletedRunKept(logger, runId, kept.Project, kept.Run);
                    }
                }
                else if (DeletedRunFolders.Remove(_exportOptions.Root, runId) is { } removed)
                {
                    ExporterLog.DeletedRunRemoved(logger, runId, removed.Manifest.Project, removed.Manifest.Run, removed.FilesRemoved, removed.Folder, removed.FolderRemoved);
                }
            }
            catch (UnsafeLogdirPathException e)
            {
                // Never delete through a planted symlink or an odd name: say so once, and forget the run.
                ExporterLog.DeletedRunRefused(logger, runId, e.Message);
                DeletedRunFolders.Forget(_exportOptions.Root, runId);
            }
            catch (ExportConflictException e)
            {
                ExporterLog.Conflict(logger, runId, e.Message);
            }
            finally
            {
                await locks.UnlockAsync(runId, cancellationToken);
            }
        }
    }

    // The lock connection is gone, so are the locks: stop writing every run before anyone else starts.
    private async Task DropAllAsync()
    {
        List<OwnedRun> runs;
        lock (_gate)
        {
            runs = [.. _owned.Values];
            _owned.Clear();
            foreach (var run in runs)
            {
                _dirty.Add(run.RunId);
            }
        }

        if (runs.Count > 0)
        {
            ExporterLog.LocksLost(logger, runs.Count);
        }

        await StopAsync(runs);
        await locks.DropConnectionAsync();
    }

    private async Task StopAllAsync()
    {
        List<OwnedRun> runs;
        lock (_gate)
        {
            runs = [.. _owned.Values];
            _owned.Clear();
        }

        await StopAsync(runs);
        await locks.DropConnectionAsync();
    }

    private static async Task StopAsync(List<OwnedRun> runs)
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

            run.Session?.Dispose();
            run.Cancel.Dispose();
        }
    }
}
