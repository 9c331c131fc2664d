namespace Metrics.Exporter.Ownership;

/// <summary>
/// This replica's view of its runs: those it holds (<see cref="OwnedRun"/>), those a commit or scan
/// marked dirty, and those it refused to export. Every member takes one short lock and does no I/O,
/// because the NOTIFY callback (<see cref="MarkDirty(long)"/>) needs the same lock.
/// </summary>
internal sealed class RunOwnership(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly HashSet<long> _dirty = [];
    private readonly Dictionary<long, OwnedRun> _owned = [];
    private readonly HashSet<long> _refused = [];

    /// <summary>Runs held now.</summary>
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

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _owned.Count;
            }
        }
    }

    /// <summary>Runs with a pass in flight.</summary>
    public int RunningCount
    {
        get
        {
            lock (_gate)
            {
                return _owned.Values.Count(r => r.Running is not null);
            }
        }
    }

    /// <summary>A commit touched the run, or a scan found it behind.</summary>
    public void MarkDirty(long runId)
    {
        lock (_gate)
        {
            _dirty.Add(runId);
        }
    }

    public void MarkDirty(IEnumerable<long> runIds)
    {
        lock (_gate)
        {
            _dirty.UnionWith(runIds);
        }
    }

    public bool IsDirty(long runId)
    {
        lock (_gate)
        {
            return _dirty.Contains(runId);
        }
    }

    public bool Holds(long runId)
    {
        lock (_gate)
        {
            return _owned.ContainsKey(runId);
        }
    }

    /// <summary>The run cannot be exported by this replica (project filter, unsafe path): never try it again.</summary>
    public void Refuse(long runId)
    {
        lock (_gate)
        {
            _refused.Add(runId);
        }
    }

    /// <summary>
    /// The runs to look at now: dirty ones and held ones whose pass is due, less refused ones; and
    /// how many of them this replica does not hold (the runs waiting for an owner, for the fair share).
    /// </summary>
    public (List<long> Candidates, int Unowned) Candidates()
    {
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
            List<long> candidates = [.. _dirty];
            return (candidates, candidates.Count(id => !_owned.ContainsKey(id)));
        }
    }

    /// <summary>
    /// Starts a pass of a run held here unless one is in flight (then it stays dirty for later).
    /// False when the run is not held here.
    /// </summary>
    public bool TryStartHeld(long runId, Func<OwnedRun, Task> pass)
    {
        lock (_gate)
        {
            if (!_owned.TryGetValue(runId, out var run))
            {
                return false;
            }

            if (run.Running is null)
            {
                _dirty.Remove(runId);
                Start(run, pass);
            }

            return true;
        }
    }

    /// <summary>The run was looked at (taken or left to others): it is no longer dirty.</summary>
    public void Clean(long runId)
    {
        lock (_gate)
        {
            _dirty.Remove(runId);
        }
    }

    /// <summary>Records a run whose lock was just taken and starts its first pass; returns how many runs are held.</summary>
    public int Take(long runId, Func<OwnedRun, Task> pass)
    {
        lock (_gate)
        {
            var run = new OwnedRun(runId, time.GetTimestamp());
            _owned.Add(runId, run);
            Start(run, pass);
            return _owned.Count;
        }
    }

    /// <summary>A pass ended (however it ended).</summary>
    public void Finished(OwnedRun run)
    {
        lock (_gate)
        {
            run.Running = null;
            run.LastActive = time.GetTimestamp();
        }
    }

    /// <summary>
    /// Takes out the runs to let go: those a pass asked to release and those idle for
    /// <paramref name="idle"/> with nothing due; never one with a pass in flight or a commit waiting.
    /// The caller unlocks them.
    /// </summary>
    public List<(OwnedRun Run, string Reason)> TakeReleasable(TimeSpan idle)
    {
        List<(OwnedRun Run, string Reason)> release = [];
        lock (_gate)
        {
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
                else if (run.DueAt is null && time.GetElapsedTime(run.LastActive, now) >= idle)
                {
                    release.Add((run, ReleaseReason.Idle));
                }
            }

            foreach (var (run, _) in release)
            {
                _owned.Remove(run.RunId);
            }
        }

        return release;
    }

    /// <summary>
    /// Takes out every held run (the locks are gone or the service stops). With
    /// <paramref name="exportAgain"/> they stay dirty, for whoever takes them next.
    /// </summary>
    public List<OwnedRun> TakeAll(bool exportAgain)
    {
        lock (_gate)
        {
            List<OwnedRun> runs = [.. _owned.Values];
            _owned.Clear();
            if (exportAgain)
            {
                _dirty.UnionWith(runs.Select(r => r.RunId));
            }

            return runs;
        }
    }

    /// <summary>The earliest timestamp a held run's pass is due at (long.MaxValue: none).</summary>
    public long NextDue()
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

    // Under the lock, so a pass that ends at once still finds its Running set.
    private static void Start(OwnedRun run, Func<OwnedRun, Task> pass)
    {
        run.DueAt = null;
        run.Running = Task.Run(() => pass(run));
    }
}
